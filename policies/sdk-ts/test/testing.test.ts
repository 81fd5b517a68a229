// The native test host: the snapshot as the host hands it over, lookups limited to the policy's
// kinds, gaps with their kinds, fixture checking as `bbscan policy test` does it.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { definePolicy, type Policy, type Resource } from "../src/index.ts";
import { checkFixtures, gapKinds, resource, run, snapshot } from "../src/testing.ts";

const bucket = resource("s3.bucket", { arn: "arn:aws:s3:::b", name: "b", tags: { z: "1", a: "2" } });
const role = resource("iam.role", { arn: "arn:aws:iam::123456789012:role/r", name: "r", region: "global" });
const fn = resource("lambda.function", { arn: "arn:aws:lambda:us-east-1:123456789012:function:f", name: "f" });

function probe(evaluate: Policy["evaluate"], kinds: Array<"s3.bucket" | "iam.role"> = ["s3.bucket", "iam.role"]): Policy {
  return definePolicy({
    name: "probe",
    version: "0.1.0",
    rules: [{ id: "P.ONE", title: "t", description: "d", defaultSeverity: "low", kinds, compliance: [], helpText: "h", helpMarkdown: "m", remediation: "r" }],
    evaluate,
  });
}

test("a resource's config is completed as the host completes it", () => {
  assert.equal(bucket.config.policy, null);
  assert.deepEqual(bucket.config.versioning, { status: null, mfa_delete: null });
  assert.deepEqual(role.config.inline_policies, []);
  assert.deepEqual(Object.keys(bucket.tags), ["a", "z"]);
  assert.deepEqual(bucket.unknown, []);
  assert.throws(
    () => resource("iam.role", { arn: "x", name: "x", config: { inline_policies: [{ name: "p" } as never] } }),
    /missing field `document`/,
  );
});

test("evaluate sees the rules' kinds only, kind by kind; lookups too", () => {
  let seen: Resource[] = [];
  let lookups: unknown[] = [];
  const policy = probe((ctx, resources) => {
    seen = resources;
    lookups = [ctx.resource(fn.arn), ctx.resource(role.arn)?.name, ctx.resourcesOfKind("lambda.function").length, ctx.resourcesOfKind("s3.bucket").length];
  });
  run(policy, snapshot([role, fn, bucket]));
  assert.deepEqual(seen.map((r) => r.kind), ["iam.role", "s3.bucket"]);
  assert.deepEqual(lookups, [undefined, "r", 0, 1]);
});

test("gaps reach the policy with their kinds; unlisted and its reason", () => {
  let reasons: unknown[] = [];
  const policy = probe((ctx) => {
    reasons = [
      ctx.gaps.length,
      ctx.unlistedReason("s3.bucket"),
      ctx.unlistedReason("s3.bucket", "eu-west-1"),
      ctx.unlistedReason("iam.role", "us-east-1"),
      ctx.unlisted("iam.role").length,
    ];
  });
  run(
    policy,
    snapshot(
      [bucket],
      [
        { service: "s3", operation: "ListBuckets", region: "us-east-1", reason: "access_denied", message: "denied" },
        { service: "s3", operation: "GetBucketPolicy", region: "us-east-1", resource: bucket.arn, field: "policy", reason: "access_denied", message: "denied" },
        { service: "iam", operation: "GetAccountAuthorizationDetails", region: "global", reason: "throttled", message: "slow" },
        { service: "kms", operation: "ListKeys", region: "us-east-1", reason: "timeout", message: "other kind" },
      ],
    ),
  );
  assert.deepEqual(reasons, [
    3,
    "s3:ListBuckets in us-east-1 (access_denied)",
    undefined,
    "iam:GetAccountAuthorizationDetails in global (throttled)",
    1,
  ]);
  assert.deepEqual(gapKinds("logs", "DescribeDeliveries"), ["cloudfront.distribution"]);
  assert.deepEqual(gapKinds("logs", "DescribeLogGroups"), ["logs.log_group"]);
  assert.deepEqual(gapKinds("nothing", "X"), []);
});

test("settings are validated before evaluation", () => {
  const policy = definePolicy({
    ...probe(() => assert.fail("evaluated")),
    validateSettings(settings) {
      if ("bad" in settings) throw new Error("no bad");
    },
  });
  assert.throws(() => run(policy, snapshot([bucket]), { bad: 1 }), /no bad/);
});

test("checkFixtures reports what bbscan policy test reports", () => {
  const dir = mkdtempSync(join(tmpdir(), "bbscan-fixtures-"));
  const writeCase = (name: string, resources: Resource[], expected: unknown) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "snapshot.json"), JSON.stringify(snapshot(resources)));
    writeFileSync(join(dir, name, "expected.json"), JSON.stringify(expected));
  };
  const policy = probe((_ctx, resources, report) => {
    for (const r of resources) {
      if (r.kind !== "s3.bucket") continue;
      if (r.tags.ok) report.pass("P.ONE");
      else report.fail("P.ONE", r, "not ok");
    }
  });
  const ok = resource("s3.bucket", { arn: "arn:aws:s3:::ok", name: "ok", tags: { ok: "1" } });
  writeCase("a-good", [bucket, ok], [{ rule_id: "P.ONE", resource_arn: bucket.arn }]);
  assert.deepEqual(checkFixtures(policy, dir), []);
  writeCase("b-wrong", [bucket], [{ rule_id: "P.ONE", resource_arn: "arn:aws:s3:::other" }]);
  mkdirSync(join(dir, "c-empty"));
  assert.deepEqual(checkFixtures(policy, dir), [
    `${join(dir, "b-wrong")}: expected P.ONE on arn:aws:s3:::other, not reported`,
    `${join(dir, "b-wrong")}: unexpected P.ONE on arn:aws:s3:::b`,
    `${join(dir, "c-empty")}/snapshot.json: No such file or directory (os error 2)`,
  ]);
  const never = probe((_ctx, resources, report) => resources.forEach(() => report.pass("P.ONE")));
  const only = mkdtempSync(join(tmpdir(), "bbscan-fixtures-"));
  mkdirSync(join(only, "one"));
  writeFileSync(join(only, "one", "snapshot.json"), JSON.stringify(snapshot([bucket])));
  writeFileSync(join(only, "one", "expected.json"), "[]");
  assert.deepEqual(checkFixtures(never, only), [`no fixture case under ${only} fails rule P.ONE`]);
  assert.deepEqual(checkFixtures(never, join(only, "missing")), [`cannot read ${join(only, "missing")}: No such file or directory (os error 2)`]);
});
