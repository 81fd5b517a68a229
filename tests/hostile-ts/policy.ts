// A TypeScript policy that misbehaves as its `mode` setting says: the host must contain it
// exactly as it contains the Rust hostile policy (tests/hostile). Copied over a TypeScript
// scaffold's src/policy.ts by tests/tests/policy_languages.rs.

import { definePolicy, string, type Json } from "@bbscan/policy";

const RULE = "HOSTILE_TS.ANYTHING";

export default definePolicy({
  name: "hostile-ts",
  version: "0.1.0",
  rules: [
    {
      id: RULE,
      title: "Misbehaves on purpose",
      description: "A policy for the containment tests.",
      defaultSeverity: "low",
      kinds: ["s3.bucket"],
      compliance: [],
      helpText: "None.",
      helpMarkdown: "None.",
      remediation: "None.",
      notFlagged: "Everything: it only misbehaves.",
    },
  ],
  evaluate(ctx, resources, report) {
    const mode = string(ctx.settings as Json, "mode", "none");
    const bucket = resources[0];
    switch (mode) {
      case "throw":
        throw new Error("the hostile policy threw on purpose");
      case "loop":
        for (;;) {
          // Never returns: the deadline must stop it.
        }
      case "memory": {
        const hoard: string[] = [];
        for (;;) hoard.push("x".repeat(1 << 20) + hoard.length);
      }
      case "unknown-rule":
        if (bucket) report.fail("NOT.DECLARED", bucket, "a rule the policy never declared");
        return;
      case "bad-evidence":
        if (bucket) report.fail(RULE, bucket, "evidence that is no JSON pointer").evidence("tags");
        return;
      case "foreign-resource":
        if (bucket) report.fail(RULE, { ...bucket, arn: "arn:aws:s3:::not-in-the-snapshot" }, "a resource it was not given");
        return;
      default:
        for (const _ of resources) report.pass(RULE);
    }
  },
});
