// __NAME__: a bbscan policy. Two rules to start from: a team convention read from tags, and an
// IAM rule that follows a role to its managed policies.

import {
  coversAction,
  coversResource,
  definePolicy,
  onlyKeys,
  statements,
  string,
  strings,
  type Context,
  type Json,
  type Report,
  type ResourceOf,
  type Statement,
} from "@bbscan/policy";

export const DATA_CLASSIFICATION = "__AREA__.DATA_CLASSIFICATION";
export const ROLE_WRITES_ANY_BUCKET = "__AREA__.ROLE_WRITES_ANY_BUCKET";

/** An object in a bucket no statement names: a resource pattern that covers it covers every bucket. */
const ANY_OBJECT = "arn:aws:s3:::bbscan-any-bucket/any-object";

/** The settings (`[policies.__NAME__]` in bbscan.toml), every one optional. */
interface Settings {
  tag: string;
  stages: string[];
  defaultValue: string;
  actions: string[];
}

function readSettings(s: Json): Settings {
  onlyKeys(s, ["tag", "stages", "default_value", "actions"]);
  return {
    tag: string(s, "tag", "DataClassification"),
    stages: strings(s, "stages", ["production"]),
    defaultValue: string(s, "default_value", "internal"),
    actions: strings(s, "actions", ["s3:PutObject", "s3:DeleteObject"]),
  };
}

function dataClassification(settings: Settings, bucket: ResourceOf<"s3.bucket">, report: Report): void {
  const stage = bucket.tags["sst:stage"];
  if (stage === undefined || !settings.stages.includes(stage)) return;
  if (Object.hasOwn(bucket.tags, settings.tag)) {
    report.pass(DATA_CLASSIFICATION);
    return;
  }
  report
    .fail(DATA_CLASSIFICATION, bucket, `bucket ${bucket.name} of stage ${stage} has no ${settings.tag} tag`)
    .evidence("/tags")
    .action("tags.add_tags", 1, { tags: { [settings.tag]: settings.defaultValue } });
}

/** The first of the settings' actions an unconditional Allow grants on any object of any bucket. */
function writesAnyBucket(settings: Settings, s: Statement): string | undefined {
  if (s.effect !== "allow" || s.conditions.length > 0 || s.problems.length > 0 || !coversResource(s, ANY_OBJECT)) {
    return undefined;
  }
  return settings.actions.find((a) => coversAction(s, a));
}

function roleWritesAnyBucket(ctx: Context, settings: Settings, role: ResourceOf<"iam.role">, report: Report): void {
  // [evidence pointer, what grants it]
  const grants: Array<[string, string]> = [];
  role.config.inline_policies.forEach((p, i) => {
    for (const s of statements(p.document)) {
      const action = writesAnyBucket(settings, s);
      if (action !== undefined) {
        grants.push([`/config/inline_policies/${i}/document${s.pointer}`, `inline policy ${p.name} ${s.pointer} allows ${action}`]);
      }
    }
  });
  role.config.attached_policies.forEach((a, i) => {
    const managed = ctx.resource(a.arn);
    if (managed === undefined || managed.kind !== "iam.policy" || managed.config.document === null) return;
    for (const s of statements(managed.config.document)) {
      const action = writesAnyBucket(settings, s);
      if (action !== undefined) {
        grants.push([`/config/attached_policies/${i}`, `managed policy ${a.name} ${s.pointer} allows ${action}`]);
      }
    }
  });
  if (grants.length === 0) {
    report.pass(ROLE_WRITES_ANY_BUCKET);
    return;
  }
  const texts = grants.map(([, text]) => text).join("; ");
  const finding = report.fail(ROLE_WRITES_ANY_BUCKET, role, `role ${role.name} may write to every bucket: ${texts}`);
  for (const pointer of new Set(grants.map(([pointer]) => pointer))) finding.evidence(pointer);
}

export default definePolicy({
  name: "__NAME__",
  version: "0.1.0",
  rules: [
    {
      id: DATA_CLASSIFICATION,
      title: "Buckets of the audited stages carry a data classification tag",
      description:
        "A bucket without a classification cannot be handled by the rules for its data (retention, access, incident response).",
      defaultSeverity: "medium",
      kinds: ["s3.bucket"],
      compliance: [{ framework: "SOC 2", control: "C1.1" }],
      helpText: "Tag the bucket with the classification of the data it holds.",
      helpMarkdown: "Tag the bucket with `DataClassification` (for example `internal` or `confidential`).",
      remediation:
        "bbscan plan proposes the tag with the default value; or tag the bucket in the SST config (`transform.bucket.tags`).",
      notFlagged: "Buckets of other stages, and buckets with no `sst:stage` tag (not deployed by SST).",
    },
    {
      id: ROLE_WRITES_ANY_BUCKET,
      title: "Roles cannot write to every bucket",
      description:
        "A role that may put or delete objects in any bucket turns one compromised function or pipeline into a breach of all the account's data.",
      defaultSeverity: "high",
      kinds: ["iam.role", "iam.policy"],
      compliance: [{ framework: "SOC 2", control: "CC6.3" }],
      helpText: "Scope the statement's Resource to the buckets the role needs.",
      helpMarkdown: "Scope the statement's `Resource` to the buckets the role needs (`arn:aws:s3:::BUCKET/*`).",
      remediation: 'Replace `Resource: "*"` with the ARNs of the role\'s own buckets.',
      notFlagged:
        "Deny statements, statements with conditions (they may narrow the grant), malformed statements, and managed policies whose document is not in the snapshot.",
    },
  ],

  validateSettings(settings) {
    readSettings(settings);
  },

  evaluate(ctx, resources, report) {
    const settings = readSettings(ctx.settings);
    for (const r of resources) {
      if (r.kind === "s3.bucket") dataClassification(settings, r, report);
      else if (r.kind === "iam.role") roleWritesAnyBucket(ctx, settings, r, report);
    }
  },
});
