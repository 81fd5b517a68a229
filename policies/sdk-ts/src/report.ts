// Collecting a policy's results: findings for failures, tallies for every evaluation — counted
// exactly as the Rust SDK counts them (policies/sdk/src/report.rs).

import type { Json } from "./snapshot.ts";
import type * as wit from "./wit.ts";
import type { Severity, Status } from "./wit.ts";
import { compareText, utf8Length, utf8Prefix } from "./text.ts";

/** A proposed fix: an action of the host's catalogue, its version, its parameters (a JSON object). */
export interface Action {
  kind: string;
  version: number;
  params: Json;
}

/** One result of a rule on a resource: the contract's finding, its actions' parameters as JSON. */
export interface Finding extends Omit<wit.Finding, "actions"> {
  actions: Action[];
}

/** How many resources a rule evaluated, and how many of those passed. */
export interface Tally {
  evaluated: number;
  passed: number;
}

/** The longest message a finding keeps (see {@link bound}). */
export const MAX_MESSAGE_BYTES = 4096;
/** The most evidence pointers a finding keeps. */
export const MAX_EVIDENCE = 50;

const SEVERITIES: readonly string[] = ["info", "low", "medium", "high", "critical"];

/** A finding just reported: add evidence, proposed actions, a severity of its own. */
export class FindingBuilder {
  constructor(readonly finding: Finding) {}

  /** Point at the part of the resource document that shows the problem (`/config/…`). */
  evidence(pointer: string): this {
    this.finding.evidence.push(pointer);
    return this;
  }

  /** Propose a fix: `kind` from the host's action catalogue, its `version`, `params` a JSON object. */
  action(kind: string, version: number, params: { [key: string]: Json }): this {
    if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff) {
      throw new Error(`action ${kind}: version ${version} is not a whole number from 0 to 4294967295`);
    }
    this.finding.actions.push({ kind, version, params });
    return this;
  }

  /** Override the rule's default severity for this finding. */
  severity(severity: Severity): this {
    if (!SEVERITIES.includes(severity)) throw new Error(`unknown severity ${JSON.stringify(severity)}`);
    this.finding.severity = severity;
    return this;
  }
}

/** What `fail`, `warn`, `manual` and `notAssessed` need of a resource. */
export interface Judged {
  arn: string;
}

/** Everything an evaluation reports. */
export class Report {
  /** Every finding, in the order reported. */
  readonly findings: Finding[] = [];
  /** Per rule that reported anything. */
  readonly tallies = new Map<string, Tally>();

  private tally(rule: string): Tally {
    let t = this.tallies.get(rule);
    if (t === undefined) {
      t = { evaluated: 0, passed: 0 };
      this.tallies.set(rule, t);
    }
    return t;
  }

  /** `rule` evaluated a resource and it passed. */
  pass(rule: string): void {
    const t = this.tally(rule);
    t.evaluated += 1;
    t.passed += 1;
  }

  /** `rule` evaluated `resource` and it fails; returns the finding to add evidence to. */
  fail(rule: string, resource: Judged, message: string): FindingBuilder {
    return this.result(rule, resource, "fail", message);
  }

  /** `rule` evaluated `resource`: not failing yet, but soon. */
  warn(rule: string, resource: Judged, message: string): FindingBuilder {
    return this.result(rule, resource, "warning", message);
  }

  /** `rule` cannot be verified from AWS for `resource`; a person must check. */
  manual(rule: string, resource: Judged, message: string): FindingBuilder {
    return this.result(rule, resource, "manual", message);
  }

  /**
   * `rule` could not judge `resource`: something it needs was not read (name the gap in the
   * message). Neither a pass nor a failure: the resource does not count as evaluated.
   */
  notAssessed(rule: string, resource: Judged, message: string): FindingBuilder {
    this.tally(rule);
    return this.push(rule, resource, "not-assessed", message);
  }

  /** The findings of one rule. */
  ofRule(rule: string): Finding[] {
    return this.findings.filter((f) => f.ruleId === rule);
  }

  /** The tallies ordered by rule id, as the Rust SDK returns them. */
  sortedTallies(): Array<[string, Tally]> {
    return [...this.tallies.entries()].sort(([a], [b]) => compareText(a, b));
  }

  private result(rule: string, resource: Judged, status: Status, message: string): FindingBuilder {
    this.tally(rule).evaluated += 1;
    return this.push(rule, resource, status, message);
  }

  private push(rule: string, resource: Judged, status: Status, message: string): FindingBuilder {
    const finding: Finding = {
      ruleId: rule,
      resourceArn: resource.arn,
      status,
      severity: undefined,
      message: String(message),
      evidence: [],
      actions: [],
    };
    this.findings.push(finding);
    return new FindingBuilder(finding);
  }

  /** Bound every finding (see {@link bound}); done for every evaluation by the SDK. */
  bound(): void {
    this.findings.forEach(bound);
  }
}

/**
 * Keep a finding readable and bounded whatever the size of the account: a message longer than
 * {@link MAX_MESSAGE_BYTES} UTF-8 bytes is cut (at a character boundary, saying how much was
 * cut), and evidence beyond {@link MAX_EVIDENCE} pointers is dropped (the message says how many).
 */
export function bound(f: Finding): void {
  if (f.evidence.length > MAX_EVIDENCE) {
    const dropped = f.evidence.length - MAX_EVIDENCE;
    f.evidence.length = MAX_EVIDENCE;
    f.message += ` [${dropped} more evidence pointers not listed]`;
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: a short message needs no counting.
  if (f.message.length * 3 <= MAX_MESSAGE_BYTES) return;
  const bytes = utf8Length(f.message);
  if (bytes > MAX_MESSAGE_BYTES) {
    const kept = utf8Prefix(f.message, MAX_MESSAGE_BYTES);
    f.message = `${kept} … [${bytes - utf8Length(kept)} more bytes cut]`;
  }
}
