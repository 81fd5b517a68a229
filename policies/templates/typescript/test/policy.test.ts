import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFixtures, resource, run, snapshot } from "@bbscan/policy/testing";
import policy, { DATA_CLASSIFICATION } from "../src/policy.ts";

test("the fixtures give exactly the expected findings", () => {
  const problems = checkFixtures(policy, new URL("../fixtures", import.meta.url));
  assert.deepEqual(problems, []);
});

test("a bucket of an audited stage without the tag gets the tag proposed", () => {
  const bucket = resource("s3.bucket", {
    arn: "arn:aws:s3:::shop-dev-uploads",
    name: "shop-dev-uploads",
    tags: { "sst:stage": "dev" },
  });
  const report = run(policy, snapshot([bucket]), { stages: ["dev"], tag: "Classification" });
  assert.equal(report.findings.length, 1);
  const finding = report.findings[0]!;
  assert.equal(finding.ruleId, DATA_CLASSIFICATION);
  assert.equal(finding.message, "bucket shop-dev-uploads of stage dev has no Classification tag");
  assert.deepEqual(finding.actions, [{ kind: "tags.add_tags", version: 1, params: { tags: { Classification: "internal" } } }]);
  assert.deepEqual(report.tallies.get(DATA_CLASSIFICATION), { evaluated: 1, passed: 0 });
});

test("a misspelt setting is refused", () => {
  assert.throws(() => policy.validateSettings?.({ stage: ["dev"] }), /unknown setting "stage"/);
});
