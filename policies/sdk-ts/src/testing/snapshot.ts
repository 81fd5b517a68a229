// Snapshot documents for native tests, read as the host reads them: each resource decoded into
// the scanner's types and written back (every field present, defaults filled, fields in the
// schema's order, unknown fields dropped), tags sorted, and each gap given the kinds it concerns
// (a port of scanner/model/src/lib.rs `Gap::kinds`).

import { KINDS } from "../snapshot.ts";
import type { Json, Resource } from "../snapshot.ts";
import { compareText } from "../text.ts";
import type { Gap } from "../wit.ts";
import { KIND_OBJECTS, OBJECTS, type Shape } from "./snapshot-shapes.ts";

/** The snapshot document version this SDK reads (scanner/model `SCHEMA_VERSION`). */
export const SCHEMA_VERSION = 1;

type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function normalise(v: Json, shape: Shape, at: string): Json {
  switch (shape.t) {
    case "any":
      return v;
    case "list":
      return Array.isArray(v) ? v.map((x, i) => normalise(x, shape.items, `${at}/${i}`)) : v;
    case "map":
      return isObject(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x, shape.values, `${at}/${k}`)])) : v;
    case "ref":
      return v === null ? null : object(v, shape.ref, at);
  }
}

/** An object of schema type `type` as the host writes it back. */
function object(v: Json, type: string, at: string): Json {
  const fields = OBJECTS[type];
  if (fields === undefined || !isObject(v)) return v;
  const out: JsonObject = {};
  for (const [name, shape, ...absent] of fields) {
    if (Object.hasOwn(v, name)) out[name] = normalise(v[name]!, shape, `${at}/${name}`);
    else if (absent.length > 0) out[name] = structuredClone(absent[0]!);
    else throw new Error(`${at}: missing field \`${name}\``);
  }
  return out;
}

/** A resource of a snapshot document as the host hands it to a policy. */
export function readResource(r: unknown, at: string): Resource {
  if (!isObject(r)) throw new Error(`${at}: a resource must be an object`);
  for (const field of ["kind", "arn", "name", "account", "region"]) {
    if (typeof r[field] !== "string") throw new Error(`${at}: missing field \`${field}\` (a string)`);
  }
  const kind = r.kind as string;
  const type = KIND_OBJECTS[kind];
  if (type === undefined) throw new Error(`${at}: unknown variant \`${kind}\`, expected one of ${KINDS.join(", ")}`);
  if (!Object.hasOwn(r, "config")) throw new Error(`${at}: missing field \`config\``);
  const tags = isObject(r.tags) ? r.tags : {};
  const sorted = Object.entries(tags).sort(([a], [b]) => compareText(a, b));
  for (const [k, v] of sorted) if (typeof v !== "string") throw new Error(`${at}/tags/${k}: a tag value must be a string`);
  const unknown = Array.isArray(r.unknown) ? r.unknown.filter((x): x is string => typeof x === "string") : [];
  return {
    kind,
    arn: r.arn as string,
    name: r.name as string,
    account: r.account as string,
    region: r.region as string,
    tags: Object.fromEntries(sorted) as Record<string, string>,
    config: object(r.config!, type, `${at}/config`),
    unknown,
  } as unknown as Resource;
}

/** The kinds whose data a failed call would have given (scanner/model/src/lib.rs `Gap::kinds`). */
export function gapKinds(service: string, operation: string): string[] {
  switch (service) {
    case "s3control":
      return ["s3.account_public_access_block"];
    case "s3":
      return operation === "ListObjectsV2" || operation === "GetObject" ? ["cloudtrail.usage"] : ["s3.bucket"];
    case "iam":
      switch (operation) {
        case "GetAccountPasswordPolicy":
        case "GetAccountSummary":
          return ["iam.account"];
        case "GenerateCredentialReport":
        case "GetCredentialReport":
          return ["iam.account", "iam.user"];
        case "GetAccountAuthorizationDetails":
          return ["iam.user", "iam.group", "iam.role", "iam.policy"];
        case "ListPolicyTags":
        case "GetPolicy":
        case "GetPolicyVersion":
          return ["iam.policy"];
        case "ListOpenIDConnectProviders":
        case "GetOpenIDConnectProvider":
          return ["iam.oidc_provider"];
        default:
          return ["iam.user"];
      }
    case "organizations":
      return ["organizations.account"];
    case "ce":
      return ["iam.account"];
    case "cloudfront":
      return operation === "ListOriginAccessControls" ? ["cloudfront.origin_access_control"] : ["cloudfront.distribution"];
    case "cloudtrail":
      return ["cloudtrail.trail"];
    case "logs":
      if (operation.startsWith("DescribeDeliver")) return ["cloudfront.distribution"];
      break;
    case "backup":
      if (operation === "ListBackupVaults") return ["backup.vault"];
      if (operation === "ListTags") return ["backup.plan", "backup.vault"];
      return ["backup.plan"];
  }
  return KINDS.filter((k) => k.startsWith(`${service}.`));
}

/** A gap of a snapshot document as the host hands it to a policy. */
export function readGap(g: unknown, at: string): Gap {
  if (!isObject(g)) throw new Error(`${at}: a gap must be an object`);
  for (const field of ["service", "operation", "region", "reason", "message"]) {
    if (typeof g[field] !== "string") throw new Error(`${at}: missing field \`${field}\` (a string)`);
  }
  const optional = (field: string): string | undefined => (typeof g[field] === "string" ? (g[field] as string) : undefined);
  const service = g.service as string;
  const operation = g.operation as string;
  return {
    service,
    operation,
    region: g.region as string,
    resource: optional("resource"),
    field: optional("field"),
    reason: g.reason as string,
    kinds: gapKinds(service, operation),
    message: g.message as string,
  };
}

/** A snapshot as the test host holds it. */
export interface ReadSnapshot {
  resources: Resource[];
  gaps: Gap[];
}

/** Read a snapshot document (parsed JSON), checking its version as `Snapshot::from_json` does. */
export function readSnapshot(doc: unknown): ReadSnapshot {
  if (!isObject(doc)) throw new Error("a snapshot must be a JSON object");
  const version = doc.schema_version;
  if (typeof version === "number" && version !== SCHEMA_VERSION) {
    throw new Error(`snapshot schema_version ${version} is not supported (this SDK reads version ${SCHEMA_VERSION})`);
  }
  for (const field of ["metadata", "resources", "gaps"]) {
    if (!Object.hasOwn(doc, field)) throw new Error(`missing field \`${field}\``);
  }
  object(doc.metadata!, "Metadata", "/metadata");
  const resources = Array.isArray(doc.resources) ? doc.resources : [];
  const gaps = Array.isArray(doc.gaps) ? doc.gaps : [];
  return {
    resources: resources.map((r, i) => readResource(r, `/resources/${i}`)),
    gaps: gaps.map((g, i) => readGap(g, `/gaps/${i}`)),
  };
}
