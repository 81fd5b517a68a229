// A policy: what it says about itself, how it checks its settings, how it evaluates.

import type { Context } from "./context.ts";
import type { Report } from "./report.ts";
import type { Settings } from "./settings.ts";
import type { Kind, Resource } from "./snapshot.ts";
import type { ComplianceRef, Severity } from "./wit.ts";

/** One rule a policy checks. */
export interface Rule {
  /**
   * Stable, human-readable, grouped by area: `S3.BUCKET_PUBLIC_ACCESS_BLOCK`. Changing it is a
   * breaking change for users (baselines, waivers).
   */
  id: string;
  /** One line, for a table. */
  title: string;
  /** Why it matters. */
  description: string;
  defaultSeverity: Severity;
  /** The resource kinds the rule reads: the policy is handed only resources of these kinds. */
  kinds: readonly Kind[];
  compliance: readonly ComplianceRef[];
  /** Help as plain text and as Markdown (shown by code-scanning tools). */
  helpText: string;
  helpMarkdown: string;
  /** How to fix it, for people. */
  remediation: string;
  /** What the rule deliberately does not flag, and why (shown in the rule catalogue). */
  notFlagged?: string;
}

/** A bbscan policy. */
export interface Policy {
  name: string;
  version: string;
  rules: readonly Rule[];
  /**
   * Check settings before any evaluation: throw (an `Error`, or a string) with a message for the
   * user when they are wrong. Absent: any settings are accepted.
   */
  validateSettings?(settings: Settings): void;
  /**
   * Evaluate the resources (only the kinds the rules read), reporting each rule's passes and
   * failures into `report`. Throwing fails the policy's evaluation with the error's message.
   */
  evaluate(ctx: Context, resources: Resource[], report: Report): void;
}

const SEVERITIES: readonly string[] = ["info", "low", "medium", "high", "critical"];

/**
 * A policy, checked: every rule has an id, a known default severity and at least one kind, and
 * no two rules share an id. `export default definePolicy({...})` in `src/policy.ts`.
 */
export function definePolicy<P extends Policy>(policy: P): P {
  const seen = new Set<string>();
  for (const rule of policy.rules) {
    if (!rule.id) throw new Error(`policy ${policy.name}: a rule has no id`);
    if (seen.has(rule.id)) throw new Error(`policy ${policy.name}: two rules are called ${rule.id}`);
    seen.add(rule.id);
    if (!SEVERITIES.includes(rule.defaultSeverity)) {
      throw new Error(`policy ${policy.name}: rule ${rule.id} has an unknown severity ${JSON.stringify(rule.defaultSeverity)}`);
    }
    if (rule.kinds.length === 0) throw new Error(`policy ${policy.name}: rule ${rule.id} reads no resource kind`);
  }
  return policy;
}

/** The kinds the policy's rules read, sorted and each once (the host's order of resources). */
export function kindsOf(policy: Policy): string[] {
  return [...new Set(policy.rules.flatMap((r) => r.kinds))].sort();
}
