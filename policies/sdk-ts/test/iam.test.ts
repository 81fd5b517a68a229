// The test host's IAM helpers: a port of bbscan's Rust code (scanner/iam), checked against the
// Rust tests it ports and against answers recorded from the host itself.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { accessLevel, actionMatches, coversAction, coversResource, resourceMatches, statements, type Json } from "../src/index.ts";
import { nativeIam, wildcardMatch } from "../src/testing.ts";

test("wildcards match as pattern.rs wildcard_match", () => {
  assert.ok(wildcardMatch("s3:Get*", "s3:GetObject", true));
  assert.ok(wildcardMatch("S3:GET*", "s3:getobject", true));
  assert.ok(!wildcardMatch("s3:Get*", "s3:PutObject", true));
  assert.ok(wildcardMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
  assert.ok(!wildcardMatch("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false));
  assert.ok(wildcardMatch("ssm:GetParameter?", "ssm:GetParameters", true));
  assert.ok(wildcardMatch("*", "", true));
  assert.ok(wildcardMatch("a*b*c", "aXXbYYc", false));
  assert.ok(!wildcardMatch("a*b*c", "aXXbYY", false));
  assert.ok(wildcardMatch("s3:*Object*", "s3:PutObjectAcl", true));
  assert.ok(wildcardMatch("arn:aws:s3:::bücket/?", "arn:aws:s3:::bücket/é", false));
  assert.ok(!wildcardMatch("", "x", false));
  // `?` is one character, not one UTF-16 unit.
  assert.ok(wildcardMatch("a?c", "a😀c", false));
  // Pathological patterns stay fast.
  assert.ok(!wildcardMatch(`${"*a".repeat(50)}b`, "a".repeat(10_000), false));
});

test("wildcards agree with a regular expression on every short pattern and value", () => {
  // Every pattern of up to 5 characters over `a`, `b`, `*`, `?` against every value of up to 6
  // over `a`, `b`: the literal-run search (patterns without `?`) and the backtracking loop
  // (patterns with one) must both say what an anchored regular expression says.
  const words = (alphabet: string[], max: number): string[] => {
    const out = [""];
    for (let i = 0; i < out.length; i++) {
      if (out[i]!.length < max) for (const c of alphabet) out.push(out[i]! + c);
    }
    return out;
  };
  const values = words(["a", "b"], 6);
  let checked = 0;
  for (const pattern of words(["a", "b", "*", "?"], 5)) {
    const oracle = new RegExp(`^${pattern.replace(/\*/g, "[^]*").replace(/\?/g, "[^]")}$`);
    for (const value of values) {
      assert.equal(wildcardMatch(pattern, value, false), oracle.test(value), `${pattern} ${value}`);
      checked += 1;
    }
  }
  assert.ok(checked > 100_000);
});

test("wildcards match as the Rust code does, on the table they share", () => {
  // scanner/iam/tests/wildcard-cases.json, checked against bbscan_iam::wildcard_match by the Rust tests.
  const table = JSON.parse(
    readFileSync(new URL("../../../scanner/iam/tests/wildcard-cases.json", import.meta.url), "utf8"),
  ) as { cases: Array<[string, string, boolean, boolean]> };
  assert.ok(table.cases.length >= 30);
  for (const [pattern, value, fold, expected] of table.cases) {
    assert.equal(wildcardMatch(pattern, value, fold), expected, `${pattern} ${value} fold=${fold}`);
    const statement = statements({ Statement: { Effect: "Allow", Action: pattern, Resource: pattern } })[0];
    assert.ok(statement);
    if (fold) {
      assert.equal(actionMatches(pattern, value), expected);
      assert.equal(coversAction(statement, value), expected);
    } else {
      assert.equal(resourceMatches(pattern, value), expected);
      assert.equal(coversResource(statement, value), expected);
    }
  }
});

test("the helpers answer through the installed host", () => {
  assert.ok(actionMatches("S3:Get*", "s3:GetObject"));
  assert.ok(!actionMatches("s3:Get?", "s3:GetObject"));
  assert.ok(resourceMatches("arn:aws:s3:::b/*", "arn:aws:s3:::b/k"));
  assert.ok(!resourceMatches("arn:aws:s3:::B/*", "arn:aws:s3:::b/k"));
  assert.equal(accessLevel("s3:PutObject"), "write");
  assert.equal(accessLevel("S3:getobject"), "read");
  assert.equal(accessLevel("iam:PutRolePolicy"), "permissions-management");
  assert.equal(accessLevel("iam:TagRole"), "tagging");
  assert.equal(accessLevel("s3:ListAllMyBuckets"), "list");
  assert.equal(accessLevel("nothing:Here"), undefined);
  assert.equal(accessLevel("s3"), undefined);
});

test("statements are normalised as policy.rs statements", () => {
  const [one] = statements({ Statement: { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", Principal: "*" } });
  assert.ok(one);
  assert.deepEqual(one.actions, ["s3:GetObject"]);
  assert.equal(one.principal?.anyone, true);
  assert.equal(one.pointer, "/Statement");
  assert.deepEqual(one.problems, []);
  const [deny] = statements({ Statement: [{ Effect: "Deny", NotAction: ["iam:*"], Resource: "*" }] });
  assert.ok(deny);
  assert.equal(deny.effect, "deny");
  assert.ok(coversAction(deny, "s3:GetObject") && !coversAction(deny, "IAM:PassRole"));
  assert.ok(coversResource(deny, "arn:aws:s3:::b/k"));
  assert.equal(deny.pointer, "/Statement/0");
  assert.deepEqual(statements({ Version: "2012-10-17" }), []);
  assert.deepEqual(statements(null), []);
  assert.deepEqual(statements("{kept as text"), []);
});

test("principals and conditions, one condition per key", () => {
  const [s] = statements({
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", AWS: ["*"] },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          "ForAllValues:StringLikeIfExists": { "token.actions.githubusercontent.com:sub": ["repo:o/r:*"] },
          Bool: { "aws:SecureTransport": false },
        },
      },
    ],
  });
  assert.ok(s);
  assert.deepEqual(s.principal, { anyone: true, aws: [], service: [], federated: ["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"], canonicalUser: [] });
  assert.deepEqual(s.conditions, [
    { operator: "StringEquals", key: "token.actions.githubusercontent.com:aud", values: ["sts.amazonaws.com"] },
    { operator: "ForAllValues:StringLikeIfExists", key: "token.actions.githubusercontent.com:sub", values: ["repo:o/r:*"] },
    { operator: "Bool", key: "aws:SecureTransport", values: ["false"] },
  ]);
});

test("malformed statements say why, in the Rust code's words", () => {
  const all = statements({
    Statement: [
      { Effect: "allow", Action: "s3:*", Resource: "*" },
      { Effect: "Allow", Resource: "*" },
      { Effect: "Allow", Action: "s3:*", NotAction: "s3:Get*", Resource: "*" },
      { Effect: "Allow", Action: { x: 1 }, Resource: "*", Condition: "yes" },
      "not a statement",
      { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringEqualz: { "aws:username": "x" } } },
    ],
  });
  assert.deepEqual(all[0]?.problems, ['Effect "allow" is neither "Allow" nor "Deny" (they are case-sensitive)']);
  assert.deepEqual(all[1]?.problems, ["no Action or NotAction"]);
  assert.deepEqual(all[2]?.problems, ["both Action and NotAction"]);
  assert.deepEqual(all[3]?.problems, ["Condition is a string, not an object", 'Action is {"x":1}, not a string or a list of strings', "no Action or NotAction"]);
  assert.deepEqual(all[4]?.problems, ["the statement is a string, not an object", "no Effect", "no Action or NotAction"]);
  assert.deepEqual(all[5]?.problems, ['unknown condition operator "StringEqualz"']);
});

test("statements are read as the Rust code reads them, on the table they share", () => {
  // scanner/iam/tests/statement-cases.json, checked against bbscan_iam::statements by the Rust tests.
  const table = JSON.parse(
    readFileSync(new URL("../../../scanner/iam/tests/statement-cases.json", import.meta.url), "utf8"),
  ) as { cases: Array<{ name: string; document: string; statements: unknown[] }> };
  assert.ok(table.cases.length >= 100);
  for (const c of table.cases) {
    const document = JSON.parse(c.document) as Json;
    // The text is what JavaScript writes for the document: what the Rust code read is what the SDK holds.
    assert.equal(JSON.stringify(document), c.document, c.name);
    assert.deepEqual(JSON.parse(JSON.stringify(statements(document))), c.statements, c.name);
    // The test host answers as the bbscan host does.
    assert.deepEqual(JSON.parse(JSON.stringify(nativeIam.statements(c.document))), c.statements, c.name);
  }
});

test("the host refuses what is not a JSON document of at most 1 MiB; the SDK reads what it holds", () => {
  assert.throws(() => nativeIam.statements("{oops"), (e) => typeof e === "string" && e.startsWith("the document is not JSON: "));
  const big = JSON.stringify({ Statement: { Effect: "Allow", Action: "x".repeat(1 << 20), Resource: "*" } });
  assert.throws(
    () => nativeIam.statements(big),
    (e) => e === `the document is ${big.length} bytes; IAM documents are at most 1048576`,
  );
  // A document the policy already holds is read whatever its size (the component's memory bounds it).
  const [one] = statements(JSON.parse(big) as Json);
  assert.equal(one?.actions[0]?.length, 1 << 20);
});
