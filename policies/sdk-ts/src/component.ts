// The glue between componentize-js's bindings of world `policy` and a {@link Policy}. The build
// (`bbscan policy build`) bundles an entry module that imports the host's interfaces and hands
// them over:
//
//   import * as snapshot from "bbscan:policy/snapshot@0.2.0";
//   import * as iam from "bbscan:policy/iam@0.2.0";
//   import { componentExports } from "@bbscan/policy/component";
//   import policy from "../../src/policy.ts";
//   export const { describe, validateSettings, evaluate } = componentExports(policy, { snapshot, iam });

import { Context } from "./context.ts";
import { errorText, installHost } from "./host.ts";
import type { Policy } from "./policy.ts";
import { Report } from "./report.ts";
import type { Settings } from "./settings.ts";
import type { Json, Resource } from "./snapshot.ts";
import type * as wit from "./wit.ts";

/** The host's imports, as the entry module receives them. */
export interface Imports {
  snapshot: wit.SnapshotFunctions;
  iam: wit.IamFunctions;
}

/**
 * A resource as the host hands it over: tags a list of pairs, config JSON text. The config is
 * parsed when a rule first reads it (most rules read the configs of some kinds only: a tag rule
 * none), then kept as a plain property: later reads call no getter (inside a component every
 * call is interpreted).
 */
export function fromWit(r: wit.Resource): Resource {
  const text = r.config;
  const resource = {
    kind: r.kind,
    arn: r.arn,
    name: r.name,
    account: r.account,
    region: r.region,
    tags: tagObject(r.tags),
    unknown: r.unknown,
  };
  const keep = (value: Json): Json => {
    Object.defineProperty(resource, "config", { value, enumerable: true, configurable: true, writable: true });
    return value;
  };
  Object.defineProperty(resource, "config", {
    enumerable: true,
    configurable: true,
    get(): Json {
      try {
        return keep(JSON.parse(text) as Json);
      } catch (e) {
        throw new Error(`${r.arn}: not a resource this policy SDK understands: ${errorText(e)}`);
      }
    },
    set: keep,
  });
  return resource as unknown as Resource;
}

/** Tags as an object; an index loop, since inside a component iteration protocols are interpreted. */
function tagObject(pairs: Array<[string, string]>): { [key: string]: string } {
  const tags: { [key: string]: string } = {};
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    tags[pair[0]] = pair[1];
  }
  return tags;
}

/** Settings as the host sends them: JSON text, `{}` when blank. */
export function parseSettings(text: string): Settings {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as Settings;
  } catch (e) {
    throw new Error(`settings are not JSON: ${errorText(e)}`);
  }
}

/** The policy's description as the contract has it. */
export function describePolicy(policy: Policy): wit.PolicyInfo {
  return {
    name: policy.name,
    version: policy.version,
    rules: policy.rules.map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      defaultSeverity: r.defaultSeverity,
      kinds: [...r.kinds],
      compliance: r.compliance.map((c) => ({ framework: c.framework, control: c.control })),
      helpText: r.helpText,
      helpMarkdown: r.helpMarkdown,
      remediation: r.remediation,
      notFlagged: r.notFlagged ?? "",
    })),
  };
}

/**
 * A report as the contract has it: every finding in order, a tally per rule that reported. Index
 * loops rather than `map` and spreads: inside a component this runs in the engine's interpreter,
 * once per finding.
 */
export function evaluation(report: Report): wit.Evaluation {
  const findings: wit.Finding[] = new Array(report.findings.length);
  for (let i = 0; i < report.findings.length; i++) {
    const f = report.findings[i]!;
    const actions: wit.Action[] = new Array(f.actions.length);
    for (let j = 0; j < f.actions.length; j++) {
      const a = f.actions[j]!;
      actions[j] = { kind: a.kind, version: a.version, params: JSON.stringify(a.params) };
    }
    findings[i] = {
      ruleId: f.ruleId,
      resourceArn: f.resourceArn,
      status: f.status,
      severity: f.severity,
      message: f.message,
      evidence: f.evidence.slice(),
      actions,
    };
  }
  const tallies = report.sortedTallies().map(([ruleId, t]) => ({ ruleId, evaluated: t.evaluated, passed: t.passed }));
  return { findings, tallies };
}

/**
 * The component's exports for `policy`, answering lookups and IAM questions with the host's
 * `imports`. An error thrown by the policy becomes the `err` the host reports, with the error's
 * message.
 */
export function componentExports(policy: Policy, imports: Imports): wit.PolicyExports {
  installHost({
    resourceByArn: (arn) => {
      const r = imports.snapshot.resourceByArn(arn);
      return r === undefined ? undefined : fromWit(r);
    },
    resourcesOfKind: (kind) => imports.snapshot.resourcesOfKind(kind).map(fromWit),
    accessLevel: (action) => imports.iam.accessLevel(action),
  });
  return {
    describe: () => describePolicy(policy),
    validateSettings(settings) {
      try {
        policy.validateSettings?.(parseSettings(settings));
      } catch (e) {
        throw errorText(e);
      }
    },
    evaluate(resources, gaps, settings) {
      try {
        const report = new Report();
        const given = resources.map(fromWit);
        policy.evaluate(new Context(parseSettings(settings), gaps, given), given, report);
        report.bound();
        return evaluation(report);
      } catch (e) {
        throw errorText(e);
      }
    },
  };
}
