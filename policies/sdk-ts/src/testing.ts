/**
 * Run a policy natively, for `node --test`: over fixture cases ({@link checkFixtures}, the same
 * layout and verdicts as `bbscan policy test`), or over a snapshot built in the test
 * ({@link run}, {@link snapshot}, {@link resource}).
 *
 * The test host answers what the bbscan host answers in a component: lookups from the snapshot,
 * restricted to the kinds the policy's rules declare, and the IAM helpers from a port of
 * bbscan's Rust IAM code (src/testing/iam.ts). Importing this module also makes the test host
 * the default one, so that the IAM helpers can be called directly in a test.
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Context } from "./context.ts";
import { errorText, installHost, type Host } from "./host.ts";
import { kindsOf, type Policy } from "./policy.ts";
import { Report } from "./report.ts";
import type { Settings } from "./settings.ts";
import type { Json, Kind, KindConfig, Resource, ResourceOf, SnapshotDocument } from "./snapshot.ts";
import { compareText } from "./text.ts";
import type { Gap } from "./wit.ts";
import { nativeIam } from "./testing/iam.ts";
import { readResource, readSnapshot, SCHEMA_VERSION, type ReadSnapshot } from "./testing/snapshot.ts";

export { nativeIam } from "./testing/iam.ts";
export { readStatements } from "./statements.ts";
export { wildcardMatch } from "./pattern.ts";
export { gapKinds } from "./testing/snapshot.ts";

/** A host answering from `resources` (already restricted to the policy's kinds). */
export function testHost(resources: readonly Resource[]): Host {
  const byArn = new Map<string, Resource>();
  for (const r of resources) byArn.set(r.arn, r);
  return {
    ...nativeIam,
    resourceByArn: (arn) => {
      const r = byArn.get(arn);
      return r === undefined ? undefined : structuredClone(r);
    },
    resourcesOfKind: (kind) => resources.filter((r) => r.kind === kind).map((r) => structuredClone(r)),
  };
}

// Outside `run`, the IAM helpers answer as the host would; lookups find nothing.
installHost(testHost([]));

/** A snapshot for {@link run}: a document (parsed JSON) or what {@link snapshot} builds. */
export type SnapshotInput = SnapshotDocument | { [key: string]: unknown };

/**
 * Evaluate `policy` natively against a snapshot, as the host would: settings validated first,
 * then only the resources of the kinds the policy's rules read (kind by kind, in the snapshot's
 * order), with the gaps that concern those kinds. Throws what the policy throws.
 */
export function run(policy: Policy, snapshot: SnapshotInput, settings: Settings = {}): Report {
  return evaluateOn(policy, readSnapshot(snapshot), settings);
}

function evaluateOn(policy: Policy, snap: ReadSnapshot, settings: Settings): Report {
  policy.validateSettings?.(settings);
  const kinds = kindsOf(policy);
  const resources = kinds.flatMap((k) => snap.resources.filter((r) => r.kind === k));
  const gaps = snap.gaps.filter((g) => g.kinds.some((k) => kinds.includes(k)));
  const report = new Report();
  const previous = installHost(testHost(resources));
  try {
    policy.evaluate(new Context(settings, gaps), resources.map((r) => structuredClone(r)), report);
  } finally {
    installHost(previous);
  }
  report.bound();
  return report;
}

function display(dir: string | URL): string {
  return dir instanceof URL ? fileURLToPath(dir) : dir;
}

function ioMessage(e: unknown): string {
  if (e instanceof Error && "code" in e && e.code === "ENOENT") return "No such file or directory (os error 2)";
  return errorText(e);
}

/**
 * Run `policy` natively over every fixture case under `dir` — the layout `bbscan policy test`
 * reads: `<case>/snapshot.json` and `<case>/expected.json` (a list of
 * `{"rule_id", "resource_arn"}`: exactly the findings the policy returns) — and check that every
 * rule fails at least once and passes at least once across the cases. Settings are `{}`.
 * Returns every problem found, empty when all is well.
 */
export function checkFixtures(policy: Policy, dir: string | URL): string[] {
  const root = display(dir);
  const rules = [...new Set(policy.rules.map((r) => r.id))].sort(compareText);
  const problems: string[] = [];
  const failed = new Set<string>();
  const passed = new Set<string>();
  let cases: string[];
  try {
    cases = readdirSync(root)
      .map((name) => join(root, name))
      .filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false)
      .sort(compareText);
  } catch (e) {
    return [`cannot read ${root}: ${ioMessage(e)}`];
  }
  for (const name of cases) {
    const read = (file: string): string => {
      try {
        return readFileSync(join(name, file), "utf8");
      } catch (e) {
        throw new Error(`${name}/${file}: ${ioMessage(e)}`);
      }
    };
    let snapshotText: string;
    let expectedText: string;
    try {
      snapshotText = read("snapshot.json");
      expectedText = read("expected.json");
    } catch (e) {
      problems.push(errorText(e));
      continue;
    }
    let snap: ReadSnapshot;
    try {
      snap = readSnapshot(JSON.parse(snapshotText));
    } catch (e) {
      problems.push(`${name}/snapshot.json: ${errorText(e)}`);
      continue;
    }
    const expected = new Set<string>();
    try {
      const items = JSON.parse(expectedText) as unknown;
      if (!Array.isArray(items)) throw new Error("expected a list of {\"rule_id\", \"resource_arn\"}");
      for (const item of items) {
        if (typeof item !== "object" || item === null) throw new Error("expected a list of {\"rule_id\", \"resource_arn\"}");
        const { rule_id, resource_arn } = item as { rule_id?: unknown; resource_arn?: unknown };
        expected.add(key(typeof rule_id === "string" ? rule_id : "", typeof resource_arn === "string" ? resource_arn : ""));
      }
    } catch (e) {
      problems.push(`${name}/expected.json: ${errorText(e)}`);
      continue;
    }
    let report: Report;
    try {
      report = evaluateOn(policy, snap, {});
    } catch (e) {
      problems.push(`${name}: the policy failed: ${errorText(e)}`);
      continue;
    }
    const got = new Set(report.findings.map((f) => key(f.ruleId, f.resourceArn)));
    for (const missing of [...expected].filter((k) => !got.has(k)).sort(compareKeys)) {
      const [rule, arn] = unkey(missing);
      problems.push(`${name}: expected ${rule} on ${arn}, not reported`);
    }
    for (const extra of [...got].filter((k) => !expected.has(k)).sort(compareKeys)) {
      const [rule, arn] = unkey(extra);
      problems.push(`${name}: unexpected ${rule} on ${arn}`);
    }
    for (const k of got) failed.add(unkey(k)[0]);
    for (const [rule, t] of report.tallies) if (t.passed > 0) passed.add(rule);
  }
  for (const rule of rules) {
    if (!failed.has(rule)) problems.push(`no fixture case under ${root} fails rule ${rule}`);
    if (!passed.has(rule)) problems.push(`no fixture case under ${root} passes rule ${rule}`);
  }
  return problems;
}

// (rule id, ARN) pairs as set members; NUL cannot occur in either.
const key = (rule: string, arn: string): string => `${rule}\u0000${arn}`;
const unkey = (k: string): [string, string] => k.split("\u0000") as [string, string];
const compareKeys = (a: string, b: string): number => {
  const [ra, aa] = unkey(a);
  const [rb, ab] = unkey(b);
  return compareText(ra, rb) || compareText(aa, ab);
};

/** What {@link resource} needs besides the kind: everything but the ARN and name has a default. */
export interface ResourceFields<K extends Kind> {
  arn: string;
  name: string;
  /** Default `123456789012`. */
  account?: string;
  /** Default `us-east-1`. */
  region?: string;
  tags?: Record<string, string>;
  unknown?: string[];
  /** The fields that matter to the test; the others take the schema's defaults. */
  config?: Partial<KindConfig[K]>;
}

/** A resource of `kind` for {@link snapshot}, its config completed as the host completes it. */
export function resource<K extends Kind>(kind: K, fields: ResourceFields<K>): ResourceOf<K> {
  return readResource(
    {
      kind,
      arn: fields.arn,
      name: fields.name,
      account: fields.account ?? "123456789012",
      region: fields.region ?? "us-east-1",
      tags: fields.tags ?? {},
      unknown: fields.unknown ?? [],
      config: (fields.config ?? {}) as Json,
    },
    fields.arn,
  ) as ResourceOf<K>;
}

/** A gap of a snapshot document (its kinds are derived, as the host derives them). */
export interface SnapshotGap {
  service: string;
  operation: string;
  region: string;
  resource?: string | null;
  field?: string | null;
  reason: string;
  error_code?: string | null;
  message: string;
}

/** A snapshot document of account 123456789012 holding `resources` (and `gaps`), for {@link run}. */
export function snapshot(resources: Resource[], gaps: SnapshotGap[] = []): SnapshotDocument {
  return {
    schema_version: SCHEMA_VERSION,
    metadata: {
      account_id: "123456789012",
      partition: "aws",
      caller_arn: "arn:aws:iam::123456789012:user/test",
      regions: ["us-east-1"],
      app: "brainbytes",
      stage: null,
      stages_seen: [],
      started_at: "2026-01-01T00:00:00Z",
      finished_at: "2026-01-01T00:00:00Z",
      bbscan_version: "test",
      api_calls: 0,
      api_calls_by_operation: {},
    },
    resources,
    gaps: gaps.map((g) => ({
      ...g,
      resource: g.resource ?? null,
      field: g.field ?? null,
      error_code: g.error_code ?? null,
      reason: g.reason as SnapshotDocument["gaps"][number]["reason"],
    })),
  };
}

export type { Gap };
