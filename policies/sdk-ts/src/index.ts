/**
 * Write bbscan policies in TypeScript.
 *
 * A policy is `export default definePolicy({ name, version, rules, validateSettings?, evaluate })`
 * in `src/policy.ts`; `bbscan policy build .` bundles it with `@bbscan/policy/component` into a
 * WebAssembly component that speaks the `bbscan:policy@0.2.0` contract (`wit/policy.wit`).
 * `@bbscan/policy/testing` runs it natively, against fixture snapshots, for `node --test`.
 *
 * ```ts
 * import { definePolicy } from "@bbscan/policy";
 *
 * export default definePolicy({
 *   name: "my-checks",
 *   version: "0.1.0",
 *   rules: [{ id: "LAMBDA.TRACING", kinds: ["lambda.function"], defaultSeverity: "low", … }],
 *   evaluate(ctx, resources, report) {
 *     for (const r of resources) {
 *       if (r.kind !== "lambda.function") continue;
 *       if (r.config.tracing_mode === "Active") report.pass("LAMBDA.TRACING");
 *       else report.fail("LAMBDA.TRACING", r, `${r.name} is not traced`).evidence("/config/tracing_mode");
 *     }
 *   },
 * });
 * ```
 *
 * @module
 */

export { definePolicy, kindsOf } from "./policy.ts";
export type { Policy, Rule } from "./policy.ts";
export { Context, describeGap } from "./context.ts";
export { Report, FindingBuilder, bound, MAX_EVIDENCE, MAX_MESSAGE_BYTES } from "./report.ts";
export type { Action, Finding, Judged, Tally } from "./report.ts";
export { SettingsError, strings, string, integer, boolean, onlyKeys } from "./settings.ts";
export type { Settings } from "./settings.ts";
export { statements, actionMatches, resourceMatches, coversAction, coversResource, accessLevel } from "./iam.ts";
export type { Condition, Effect, Principals, Statement } from "./iam.ts";
export * as iam from "./iam.ts";
export { few } from "./text.ts";
export { KINDS } from "./snapshot.ts";
export type { Json, Kind, KindConfig, Resource, ResourceOf, ResourceCommon } from "./snapshot.ts";
export type * as snapshot from "./snapshot.ts";
export { CONTRACT, CONTRACT_VERSION } from "./wit.ts";
export type { ComplianceRef, Gap, Severity, Status } from "./wit.ts";

/** The compliance frameworks the built-in rules cite, named the same way everywhere. */
export const frameworks = {
  CIS: "CIS AWS Foundations Benchmark v3.0.0",
  FSBP: "AWS Foundational Security Best Practices",
  SOC2: "SOC 2",
} as const;
