import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_EVIDENCE, MAX_MESSAGE_BYTES, Report } from "../src/index.ts";
import { evaluation, fromWit } from "../src/component.ts";
import { utf8Length } from "../src/text.ts";

const bucket = { arn: "arn:aws:s3:::b" };

test("tallies count as report.rs counts", () => {
  const report = new Report();
  report.pass("A.ONE");
  report.pass("A.ONE");
  report.fail("A.ONE", bucket, "failed");
  report.warn("B.TWO", bucket, "soon");
  report.manual("B.TWO", bucket, "look");
  report.notAssessed("C.THREE", bucket, "not read");
  assert.deepEqual(report.tallies.get("A.ONE"), { evaluated: 3, passed: 2 });
  assert.deepEqual(report.tallies.get("B.TWO"), { evaluated: 2, passed: 0 });
  // Not assessed: the rule reported, nothing counted.
  assert.deepEqual(report.tallies.get("C.THREE"), { evaluated: 0, passed: 0 });
  assert.equal(report.tallies.has("D.FOUR"), false);
  assert.deepEqual(
    report.findings.map((f) => f.status),
    ["fail", "warning", "manual", "not-assessed"],
  );
  assert.equal(report.ofRule("B.TWO").length, 2);
});

test("a finding carries evidence, actions and its own severity", () => {
  const report = new Report();
  report
    .fail("A.ONE", bucket, "no tag")
    .evidence("/tags")
    .evidence("/config/policy")
    .action("tags.add_tags", 1, { tags: { DataClassification: "internal" } })
    .severity("high");
  assert.deepEqual(report.findings[0], {
    ruleId: "A.ONE",
    resourceArn: "arn:aws:s3:::b",
    status: "fail",
    severity: "high",
    message: "no tag",
    evidence: ["/tags", "/config/policy"],
    actions: [{ kind: "tags.add_tags", version: 1, params: { tags: { DataClassification: "internal" } } }],
  });
  assert.throws(() => report.fail("A.ONE", bucket, "x").action("k", -1, {}), /version -1/);
});

test("the host receives every finding in order and a tally per rule, by rule id", () => {
  const report = new Report();
  report.fail("Z.LAST", bucket, "first").action("tags.add_tags", 1, { tags: { a: "b" } });
  report.pass("A.FIRST");
  report.notAssessed("M.MIDDLE", bucket, "second");
  assert.deepEqual(evaluation(report), {
    findings: [
      { ruleId: "Z.LAST", resourceArn: "arn:aws:s3:::b", status: "fail", severity: undefined, message: "first", evidence: [], actions: [{ kind: "tags.add_tags", version: 1, params: '{"tags":{"a":"b"}}' }] },
      { ruleId: "M.MIDDLE", resourceArn: "arn:aws:s3:::b", status: "not-assessed", severity: undefined, message: "second", evidence: [], actions: [] },
    ],
    tallies: [
      { ruleId: "A.FIRST", evaluated: 1, passed: 1 },
      { ruleId: "M.MIDDLE", evaluated: 0, passed: 0 },
      { ruleId: "Z.LAST", evaluated: 1, passed: 0 },
    ],
  });
});

test("findings are bounded as Finding::bound bounds them", () => {
  const report = new Report();
  const f = report.fail("A.ONE", bucket, "é".repeat(3000));
  for (let i = 0; i < MAX_EVIDENCE + 7; i++) f.evidence(`/config/x/${i}`);
  report.bound();
  const [finding] = report.findings;
  assert.ok(finding);
  assert.equal(finding.evidence.length, MAX_EVIDENCE);
  // 6000 bytes of "é" plus the note: cut at 4096 bytes (2048 characters), the rest counted.
  const note = " [7 more evidence pointers not listed]";
  const cut = 6000 + note.length - MAX_MESSAGE_BYTES;
  assert.equal(finding.message, `${"é".repeat(2048)} … [${cut} more bytes cut]`);
});

test("UTF-8 lengths count as the host counts, whatever the text", () => {
  const cases: Array<[string, number]> = [
    ["", 0],
    ["plain ascii", 11],
    ["é", 2],
    ["€", 3],
    ["😀", 4],
    ["a😀b", 6],
    // A lone surrogate reaches the host as U+FFFD: 3 bytes, leading or trailing, alone or last.
    ["\ud83d", 3],
    ["\ude00x", 4],
    ["x\ud83d", 4],
  ];
  for (const [text, bytes] of cases) {
    assert.equal(utf8Length(text), bytes, JSON.stringify(text));
    assert.equal(utf8Length(text), Buffer.byteLength(text, "utf8"), JSON.stringify(text));
  }
});

test("a message just over the bound is cut, one at the bound is kept whole", () => {
  const report = new Report();
  report.fail("A.ONE", bucket, "a".repeat(MAX_MESSAGE_BYTES));
  report.fail("A.ONE", bucket, `${"a".repeat(MAX_MESSAGE_BYTES - 1)}é`);
  report.bound();
  const [kept, cut] = report.findings;
  assert.equal(kept?.message, "a".repeat(MAX_MESSAGE_BYTES));
  assert.equal(cut?.message, `${"a".repeat(MAX_MESSAGE_BYTES - 1)} … [2 more bytes cut]`);
});

test("a handed-over resource parses its config once, on first read, and keeps it as data", () => {
  const wit = { kind: "s3.bucket", arn: "arn:aws:s3:::b", name: "b", account: "1", region: "us-east-1", unknown: [] };
  const r = fromWit({ ...wit, tags: [["a", "1"], ["b", "2"]], config: '{"versioning":"Enabled"}' });
  assert.deepEqual(r.tags, { a: "1", b: "2" });
  const first = r.config;
  assert.deepEqual(first, { versioning: "Enabled" });
  assert.equal(r.config, first, "the same object on every read");
  assert.equal(Object.getOwnPropertyDescriptor(r, "config")?.get, undefined, "a data property once read");
  assert.match(JSON.stringify(r), /"config":\{"versioning":"Enabled"\}/);
  (r as { config: unknown }).config = { replaced: true };
  assert.deepEqual(r.config, { replaced: true });
  // Assigned before any read: the text is never parsed.
  const unread = fromWit({ ...wit, tags: [], config: "not json" });
  (unread as { config: unknown }).config = { set: 1 };
  assert.deepEqual(unread.config, { set: 1 });
  const broken = fromWit({ ...wit, tags: [], config: "not json" });
  assert.throws(() => broken.config, /arn:aws:s3:::b: not a resource this policy SDK understands/);
});
