// Reading a policy document into normalised statements, as bbscan's Rust code reads it
// (scanner/iam/src/policy.rs `statements`, scanner/iam/src/condition.rs `is_known_operator`),
// done inside the policy over the document it already holds. Asking the host instead meant
// writing the document back to JSON text, lowering that text through the bindings one character
// at a time and lifting every statement back value by value: inside a component that cost four
// times what the reading costs here. A table shared with the Rust code
// (scanner/iam/tests/statement-cases.json, checked against `bbscan_iam::statements` by the Rust
// tests) holds both to the same answers, problems' wording included.
//
// The document is read as JavaScript holds it, which is what the host was sent before
// (`JSON.stringify` of the parsed document): an object's integer-like keys come first and a
// number is JavaScript's (`1.0` is `1`); numbers in problems and condition values are written as
// serde_json writes them ({@link numberText}). Index loops throughout: inside a component
// iteration protocols and callbacks are interpreted.

import type { Json } from "./snapshot.ts";
import { quote } from "./text.ts";
import type { Condition, Effect, Principals, Statement } from "./wit.ts";

type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** serde_json's `Value::get(key)`: a member of an object, nothing for anything else. */
function get(v: Json | undefined, key: string): Json | undefined {
  return isObject(v) && Object.hasOwn(v, key) ? v[key] : undefined;
}

/**
 * A number as the host writes it: serde_json reads an integer that fits 64 bits as an integer
 * and writes it back unchanged, and anything else as a float, written as serde_json's float
 * formatter writes it: plain from 1e-5 to below 1e16 (`2.5`, `100.0`), else `1e+21`, `1.5e-7`.
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

/** A string, or a boolean's or number's text; `undefined` for anything else. */
function scalar(x: Json): string | undefined {
  if (typeof x === "string") return x;
  if (typeof x === "boolean") return x ? "true" : "false";
  if (typeof x === "number") return numberText(x);
  return undefined;
}

/**
 * A string or a list of strings, as IAM allows. Booleans and numbers become their text (AWS
 * accepts `"Bool": {"aws:SecureTransport": false}`).
 */
function strings(v: Json | undefined, problems: string[], what: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) {
    const out: string[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = v[i]!;
      const s = typeof item === "string" ? item : scalar(item);
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
    const kinds = Object.keys(v);
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[k]!;
      const list = strings(v[kind], problems, `Principal ${kind}`);
      let into: string[] | undefined;
      switch (kind) {
        case "AWS":
          for (let i = 0; i < list.length; i++) {
            if (list[i] === "*") p.anyone = true;
            else p.aws.push(list[i]!);
          }
          break;
        case "Service":
          into = p.service;
          break;
        case "Federated":
          into = p.federated;
          break;
        case "CanonicalUser":
          into = p.canonicalUser;
          break;
        default:
          problems.push(`unknown principal type ${quote(kind)}`);
      }
      if (into !== undefined) for (let i = 0; i < list.length; i++) into.push(list[i]!);
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
  if (FAMILIES.has(operator)) return true;
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

function conditionsOf(condition: Json | undefined, problems: string[]): Condition[] {
  const conditions: Condition[] = [];
  if (condition === undefined || condition === null) return conditions;
  if (!isObject(condition)) {
    problems.push(`Condition is ${kindOf(condition)}, not an object`);
    return conditions;
  }
  const operators = Object.keys(condition);
  for (let o = 0; o < operators.length; o++) {
    const operator = operators[o]!;
    const keys = condition[operator]!;
    if (!isObject(keys)) {
      problems.push(`condition ${operator} is ${kindOf(keys)}, not an object`);
      continue;
    }
    const names = Object.keys(keys);
    for (let k = 0; k < names.length; k++) {
      const key = names[k]!;
      conditions.push({ operator, key, values: strings(keys[key], problems, `condition ${operator} ${key}`) });
    }
  }
  for (let i = 0; i < conditions.length; i++) {
    const operator = conditions[i]!.operator;
    if (!isKnownOperator(operator)) problems.push(`unknown condition operator ${quote(operator)}`);
  }
  return conditions;
}

function statement(s: Json, pointer: string): Statement {
  const problems: string[] = [];
  const object = isObject(s);
  if (!object) problems.push(`the statement is ${kindOf(s)}, not an object`);
  const conditions = conditionsOf(object ? get(s, "Condition") : undefined, problems);
  const written = object ? get(s, "Effect") : undefined;
  let effect: Effect;
  if (written === "Allow") effect = "allow";
  else if (written === "Deny") effect = "deny";
  else {
    problems.push(
      typeof written === "string"
        ? `Effect ${quote(written)} is neither "Allow" nor "Deny" (they are case-sensitive)`
        : "no Effect",
    );
    // Kept as Allow so pattern-level callers still see the grant (as the Rust code does).
    effect = "allow";
  }
  const action = object ? get(s, "Action") : undefined;
  const notAction = object ? get(s, "NotAction") : undefined;
  const actions = strings(action, problems, "Action");
  const notActions = strings(notAction, problems, "NotAction");
  if (action !== undefined && notAction !== undefined) problems.push("both Action and NotAction");
  else if (actions.length === 0 && notActions.length === 0) problems.push("no Action or NotAction");
  const resource = object ? get(s, "Resource") : undefined;
  const notResource = object ? get(s, "NotResource") : undefined;
  const resources = strings(resource, problems, "Resource");
  const notResources = strings(notResource, problems, "NotResource");
  if (resource !== undefined && notResource !== undefined) problems.push("both Resource and NotResource");
  const principal = principals(object ? get(s, "Principal") : undefined, problems);
  const notPrincipal = principals(object ? get(s, "NotPrincipal") : undefined, problems);
  const sid = object ? get(s, "Sid") : undefined;
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

/**
 * The statements of a decoded policy document (`Statement` may be one object or a list), each
 * normalised: every string-or-list a list, conditions one per key, its JSON pointer in the
 * document and what AWS would refuse it for. A document with no `Statement` has none.
 */
export function readStatements(document: Json | undefined): Statement[] {
  const list = get(document, "Statement");
  if (Array.isArray(list)) {
    const out: Statement[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) out[i] = statement(list[i]!, `/Statement/${i}`);
    return out;
  }
  if (isObject(list)) return [statement(list, "/Statement")];
  return [];
}
