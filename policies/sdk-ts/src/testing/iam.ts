// The IAM helpers for native tests, where there is no host: a line-by-line port of bbscan's
// Rust code — scanner/iam/src/policy.rs `statements` and scanner/iam/src/condition.rs
// `is_known_operator` — and of the host's `statements` (scanner/src/host/iam.rs: the document is
// JSON text of at most 1 MiB); the wildcard matching is the SDK's own (`../pattern.ts`), which
// components use too. Used only by the test host; a component asks the host for statements,
// which runs the Rust code itself.
//
// The port reads the document the host reads: the one the SDK sends, as JavaScript writes it
// (`JSON.stringify` of the parsed document). So an object's integer-like keys come first and a
// number is JavaScript's (`1.0` arrives as `1`) on both sides; numbers in problems and
// condition values are then written as serde_json writes them ({@link numberText}).

import { statementCoversAction, statementCoversResource, wildcardMatch } from "../pattern.ts";
import type { Json } from "../snapshot.ts";
import { quote, utf8Length } from "../text.ts";
import type { Condition, Effect, IamFunctions, Principals, Statement } from "../wit.ts";
import { accessLevel } from "./catalogue.ts";

/** The most the host reads of a document, in bytes. */
const MAX_DOCUMENT_BYTES = 1 << 20;

type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** serde_json's `Value::get(key)`: a member of an object, nothing for anything else. */
function get(v: Json | undefined, key: string): Json | undefined {
  return isObject(v) && Object.hasOwn(v, key) ? v[key] : undefined;
}

/**
 * A number as the host writes it: the SDK sends the document as JavaScript writes it
 * (`JSON.stringify`); serde_json reads an integer that fits 64 bits as an integer and writes it
 * back unchanged, and anything else as a float, written as `zmij` writes it (serde_json's float
 * formatter): plain from 1e-5 to below 1e16 (`2.5`, `100.0`), else `1e+21`, `1.5e-7`.
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return "null";
  const text = JSON.stringify(n);
  if (/^-?[0-9]+$/.test(text)) {
    const big = BigInt(text);
    if (big >= -(2n ** 63n) && big < 2n ** 64n) return text;
  }
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  const e = Number(exp); // the exponent of the first digit
  let out: string;
  if (e >= -5 && e <= 15) {
    if (digits.length - 1 <= e) out = `${digits}${"0".repeat(e + 1 - digits.length)}.0`;
    else if (e >= 0) out = `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
    else out = `0.${"0".repeat(-e - 1)}${digits}`;
  } else {
    out = `${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${e >= 0 ? "+" : "-"}${Math.abs(e)}`;
  }
  return sign + out;
}

/** A JSON value as serde_json's `Display` writes it (compact). */
export function jsonText(v: Json): string {
  if (typeof v === "number") return numberText(v);
  if (Array.isArray(v)) return `[${v.map(jsonText).join(",")}]`;
  if (isObject(v)) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function kindOf(v: Json): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return "a boolean";
  if (typeof v === "number") return "a number";
  if (typeof v === "string") return "a string";
  if (Array.isArray(v)) return "a list";
  return "an object";
}

/**
 * A string or a list of strings, as IAM allows. Booleans and numbers become their text (AWS
 * accepts `"Bool": {"aws:SecureTransport": false}`).
 */
function strings(v: Json | undefined, problems: string[], what: string): string[] {
  const scalar = (x: Json): string | undefined => {
    if (typeof x === "string") return x;
    if (typeof x === "boolean") return String(x);
    if (typeof x === "number") return numberText(x);
    return undefined;
  };
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (const item of v) {
      const s = scalar(item);
      if (s === undefined) problems.push(`${what} holds ${jsonText(item)}, not a string`);
      else out.push(s);
    }
    return out;
  }
  const s = scalar(v);
  if (s !== undefined) return [s];
  problems.push(`${what} is ${jsonText(v)}, not a string or a list of strings`);
  return [];
}

function principals(v: Json | undefined, problems: string[]): Principals | undefined {
  if (v === undefined) return undefined;
  const p: Principals = { anyone: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (v === "*") {
    p.anyone = true;
  } else if (isObject(v)) {
    for (const [kind, values] of Object.entries(v)) {
      const list = strings(values, problems, `Principal ${kind}`);
      switch (kind) {
        case "AWS":
          p.anyone ||= list.some((x) => x === "*");
          p.aws.push(...list.filter((x) => x !== "*"));
          break;
        case "Service":
          p.service.push(...list);
          break;
        case "Federated":
          p.federated.push(...list);
          break;
        case "CanonicalUser":
          p.canonicalUser.push(...list);
          break;
        default:
          problems.push(`unknown principal type ${quote(kind)}`);
      }
    }
  } else {
    problems.push(`Principal is ${jsonText(v)}, not "*" or an object`);
  }
  return p;
}

const FAMILIES = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
]);

/** ASCII-only lowercase, as Rust's `eq_ignore_ascii_case`. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Whether `operator` is one AWS defines (condition.rs `parse_operator`). */
export function isKnownOperator(operator: string): boolean {
  let set = false;
  let base = operator;
  const colon = operator.indexOf(":");
  if (colon >= 0) {
    const qualifier = asciiLower(operator.slice(0, colon));
    if (qualifier !== "forallvalues" && qualifier !== "foranyvalue") return false;
    set = true;
    base = operator.slice(colon + 1);
  }
  let ifExists = false;
  if (base.endsWith("IfExists")) {
    base = base.slice(0, -"IfExists".length);
    ifExists = true;
  }
  if (base === "Null") return !ifExists && !set;
  return FAMILIES.has(base);
}

function statement(s: Json, pointer: string): Statement {
  const problems: string[] = [];
  if (!isObject(s)) problems.push(`the statement is ${kindOf(s)}, not an object`);
  const conditions: Condition[] = [];
  const condition = get(s, "Condition");
  if (condition === undefined || condition === null) {
    // none
  } else if (isObject(condition)) {
    for (const [operator, keys] of Object.entries(condition)) {
      if (isObject(keys)) {
        for (const [key, values] of Object.entries(keys)) {
          conditions.push({ operator, key, values: strings(values, problems, `condition ${operator} ${key}`) });
        }
      } else {
        problems.push(`condition ${operator} is ${kindOf(keys)}, not an object`);
      }
    }
  } else {
    problems.push(`Condition is ${kindOf(condition)}, not an object`);
  }
  for (const c of conditions) {
    if (!isKnownOperator(c.operator)) problems.push(`unknown condition operator ${quote(c.operator)}`);
  }
  const written = get(s, "Effect");
  let effect: Effect;
  if (written === "Deny") effect = "deny";
  else if (written === "Allow") effect = "allow";
  else {
    problems.push(
      typeof written === "string"
        ? `Effect ${quote(written)} is neither "Allow" nor "Deny" (they are case-sensitive)`
        : "no Effect",
    );
    // Kept as Allow so pattern-level callers still see the grant (as the Rust code does).
    effect = "allow";
  }
  const actions = strings(get(s, "Action"), problems, "Action");
  const notActions = strings(get(s, "NotAction"), problems, "NotAction");
  if (get(s, "Action") !== undefined && get(s, "NotAction") !== undefined) problems.push("both Action and NotAction");
  else if (actions.length === 0 && notActions.length === 0) problems.push("no Action or NotAction");
  const resources = strings(get(s, "Resource"), problems, "Resource");
  const notResources = strings(get(s, "NotResource"), problems, "NotResource");
  if (get(s, "Resource") !== undefined && get(s, "NotResource") !== undefined) problems.push("both Resource and NotResource");
  const principal = principals(get(s, "Principal"), problems);
  const notPrincipal = principals(get(s, "NotPrincipal"), problems);
  const sid = get(s, "Sid");
  return {
    pointer,
    sid: typeof sid === "string" ? sid : undefined,
    effect,
    actions,
    notActions,
    resources,
    notResources,
    principal,
    notPrincipal,
    conditions,
    problems,
  };
}

/** The statements of a decoded policy document (`Statement` may be one object or a list). */
export function statementsOf(document: Json): Statement[] {
  const list = get(document, "Statement");
  if (Array.isArray(list)) return list.map((s, i) => statement(s, `/Statement/${i}`));
  if (isObject(list)) return [statement(list, "/Statement")];
  return [];
}

/** The `bbscan:policy/iam` functions as the host answers them, for the test host. */
export const nativeIam: IamFunctions = {
  statements(document: string): Statement[] {
    const bytes = utf8Length(document);
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw `the document is ${bytes} bytes; IAM documents are at most ${MAX_DOCUMENT_BYTES}`;
    }
    let value: Json;
    try {
      value = JSON.parse(document) as Json;
    } catch (e) {
      throw `the document is not JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
    return statementsOf(value);
  },
  actionMatches: (pattern, action) => wildcardMatch(pattern, action, true),
  resourceMatches: (pattern, arn) => wildcardMatch(pattern, arn, false),
  coversAction: statementCoversAction,
  coversResource: statementCoversResource,
  accessLevel,
};
