#!/usr/bin/env node
// Generates the SDK's TypeScript types from the two documents they mirror:
//
//   wit/policy.wit               -> src/wit.ts                      (the contract's records and enums,
//                                                                     the imports' and exports' shapes)
//   docs/snapshot.schema.json    -> src/snapshot.ts                 (each resource kind's config)
//                                -> src/testing/snapshot-shapes.ts  (defaults and field order, for the
//                                                                     native test host)
//
//   node scripts/gen-types.mjs           rewrite the generated files
//   node scripts/gen-types.mjs --check   exit 1 (naming them) when any is stale
//
// Deterministic: the output depends on the two inputs only. The WIT reader understands the
// subset the contract uses (interfaces, worlds, records, enums, functions, list/option/tuple/
// result) and stops with an error on anything else, so a contract change it cannot express is
// noticed rather than dropped.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const sdk = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(sdk, "..", "..");
const WIT = join(repo, "wit", "policy.wit");
const SCHEMA = join(repo, "docs", "snapshot.schema.json");

// ---------------------------------------------------------------------------------------------
// WIT

function tokenize(text) {
  const re = /(\s+)|(\/\/\/[^\n]*)|(\/\/[^\n]*)|(->)|([{}()<>,;:.=@\/*_])|(%?[a-zA-Z][a-zA-Z0-9-]*)|([0-9]+(?:\.[0-9]+)*(?:-[a-zA-Z0-9.]+)?)/y;
  const tokens = [];
  let m;
  let line = 1;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    m = re.exec(text);
    if (!m) throw new Error(`${WIT}:${line}: cannot read ${JSON.stringify(text.slice(at, at + 20))}`);
    const [all, space, doc, , arrow, punct, ident, number] = m;
    if (doc !== undefined) tokens.push({ t: "doc", v: doc.slice(3).replace(/^ /, ""), line });
    else if (arrow || punct) tokens.push({ t: "p", v: arrow || punct, line });
    else if (ident) tokens.push({ t: "id", v: ident.replace(/^%/, ""), line });
    else if (number) tokens.push({ t: "num", v: number, line });
    line += (all.match(/\n/g) || []).length;
    void space;
  }
  return tokens;
}

function parseWit(text) {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what) => {
    const t = tokens[i];
    throw new Error(`${WIT}:${t ? t.line : "end"}: expected ${what}, found ${t ? JSON.stringify(t.v) : "the end"}`);
  };
  const eat = (v) => {
    if (!tokens[i] || tokens[i].v !== v || tokens[i].t === "doc") fail(JSON.stringify(v));
    return tokens[i++];
  };
  const name = () => {
    if (!tokens[i] || tokens[i].t !== "id") fail("a name");
    return tokens[i++].v;
  };
  const docs = () => {
    const lines = [];
    while (peek() && peek().t === "doc") lines.push(tokens[i++].v);
    return lines;
  };
  const type = () => {
    const n = peek().v === "_" ? (i++, "_") : name();
    const args = [];
    if (["list", "option", "tuple", "result"].includes(n) && peek().v === "<") {
      eat("<");
      for (;;) {
        args.push(type());
        if (peek().v === ",") eat(",");
        else break;
      }
      eat(">");
    }
    if (n === "result" && args.length === 0) return { n: "result", args: ["_", "_"] };
    if (n === "result" && args.length === 1) return { n: "result", args: [args[0], "_"] };
    return args.length ? { n, args } : n;
  };
  const func = (doc, fname) => {
    eat("func");
    eat("(");
    const params = [];
    while (peek().v !== ")") {
      const p = name();
      eat(":");
      params.push({ name: p, type: type() });
      if (peek().v === ",") eat(",");
    }
    eat(")");
    let result = null;
    if (peek().v === "->") {
      eat("->");
      result = type();
    }
    eat(";");
    return { kind: "func", name: fname, doc, params, result };
  };
  const use = () => {
    eat("use");
    const from = name();
    eat(".");
    eat("{");
    const names = [];
    while (peek().v !== "}") {
      names.push(name());
      if (peek().v === ",") eat(",");
    }
    eat("}");
    eat(";");
    return { kind: "use", from, names };
  };

  const out = { package: null, interfaces: [], worlds: [] };
  docs();
  eat("package");
  const ns = name();
  eat(":");
  const pkg = name();
  eat("@");
  const version = tokens[i++].v;
  eat(";");
  out.package = { ns, name: pkg, version };
  while (i < tokens.length) {
    const doc = docs();
    if (i >= tokens.length) break;
    const keyword = name();
    if (keyword === "interface") {
      const iface = { name: name(), doc, items: [] };
      eat("{");
      while (peek().v !== "}") {
        const itemDoc = docs();
        const word = name();
        if (word === "enum") {
          const e = { kind: "enum", name: name(), doc: itemDoc, cases: [] };
          eat("{");
          while (peek().v !== "}") {
            const caseDoc = docs();
            e.cases.push({ name: name(), doc: caseDoc });
            if (peek().v === ",") eat(",");
          }
          eat("}");
          iface.items.push(e);
        } else if (word === "record") {
          const r = { kind: "record", name: name(), doc: itemDoc, fields: [] };
          eat("{");
          while (peek().v !== "}") {
            const fieldDoc = docs();
            const f = name();
            eat(":");
            r.fields.push({ name: f, type: type(), doc: fieldDoc });
            if (peek().v === ",") eat(",");
          }
          eat("}");
          iface.items.push(r);
        } else if (word === "use") {
          i--;
          iface.items.push(use());
        } else if (peek().v === ":") {
          eat(":");
          iface.items.push(func(itemDoc, word));
        } else {
          i--;
          fail("an enum, a record, a use or a function (this generator reads no other WIT items)");
        }
      }
      eat("}");
      out.interfaces.push(iface);
    } else if (keyword === "world") {
      const world = { name: name(), doc, imports: [], exports: [], uses: [] };
      eat("{");
      while (peek().v !== "}") {
        const itemDoc = docs();
        const word = name();
        if (word === "import" || word === "export") {
          const what = name();
          if (peek().v === ":") {
            eat(":");
            (word === "import" ? world.imports : world.exports).push(func(itemDoc, what));
          } else {
            eat(";");
            (word === "import" ? world.imports : world.exports).push({ kind: "interface", name: what });
          }
        } else if (word === "use") {
          i--;
          world.uses.push(use());
        } else {
          i--;
          fail("an import, an export or a use");
        }
      }
      eat("}");
      out.worlds.push(world);
    } else {
      i--;
      fail("an interface or a world");
    }
  }
  return out;
}

const pascal = (s) => s.split("-").map((w) => w[0].toUpperCase() + w.slice(1)).join("");
const camel = (s) => s.split("-").map((w, k) => (k === 0 ? w : w[0].toUpperCase() + w.slice(1))).join("");

function jsdoc(lines, indent = "") {
  if (!lines.length) return "";
  const body = lines.map((l) => l.replaceAll("*/", "*\\/"));
  if (body.length === 1) return `${indent}/** ${body[0]} */\n`;
  return `${indent}/**\n${body.map((l) => `${indent} *${l ? " " + l : ""}`).join("\n")}\n${indent} */\n`;
}

function tsType(t) {
  if (typeof t === "string") {
    switch (t) {
      case "string":
      case "char":
        return "string";
      case "bool":
        return "boolean";
      case "u8":
      case "u16":
      case "u32":
      case "s8":
      case "s16":
      case "s32":
      case "f32":
      case "f64":
        return "number";
      case "u64":
      case "s64":
        return "bigint";
      case "_":
        return "void";
      default:
        return pascal(t);
    }
  }
  const [a, b] = t.args;
  switch (t.n) {
    case "list": {
      const inner = tsType(a);
      return /^[A-Za-z]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
    }
    case "option":
      return `${tsType(a)} | undefined`;
    case "tuple":
      return `[${t.args.map(tsType).join(", ")}]`;
    case "result":
      return `{ tag: "ok"; val: ${tsType(a)} } | { tag: "err"; val: ${tsType(b)} }`;
    default:
      throw new Error(`unsupported WIT type ${t.n}`);
  }
}

/** A function's return as componentize-js presents it: `result<T, E>` returns T and throws E. */
function tsReturn(t) {
  if (t === null) return "void";
  if (typeof t === "object" && t.n === "result") return tsType(t.args[0]);
  return tsType(t);
}

function throwsDoc(t) {
  if (t && typeof t === "object" && t.n === "result") return [`Throws the error (${tsType(t.args[1])}) of the WIT \`result\`.`];
  return [];
}

function funcSig(f, indent) {
  const params = f.params.map((p) => `${camel(p.name)}: ${tsType(p.type)}`).join(", ");
  const doc = [...f.doc, ...(f.doc.length && throwsDoc(f.result).length ? [""] : []), ...throwsDoc(f.result)];
  return `${jsdoc(doc, indent)}${indent}${camel(f.name)}(${params}): ${tsReturn(f.result)};\n`;
}

function genWit(text) {
  const wit = parseWit(text);
  const { ns, name, version } = wit.package;
  let out = "";
  out += `// GENERATED by scripts/gen-types.mjs from wit/policy.wit: do not edit; run \`node scripts/gen-types.mjs\`.\n`;
  out += `//\n`;
  out += `// The contract's types as componentize-js presents them to JavaScript: records are objects with\n`;
  out += `// camelCase fields, enums kebab-case strings, \`option<T>\` is \`T | undefined\`, tuples are arrays,\n`;
  out += `// and a function returning \`result<T, E>\` returns T or throws E.\n\n`;
  out += `/** The contract this SDK speaks. */\n`;
  out += `export const CONTRACT = ${JSON.stringify(`${ns}:${name}@${version}`)};\n`;
  out += `/** The contract's version (the SDK's package version follows it). */\n`;
  out += `export const CONTRACT_VERSION = ${JSON.stringify(version)};\n`;
  for (const iface of wit.interfaces) {
    out += `\n// ---- interface ${iface.name} (${ns}:${name}/${iface.name}@${version})\n`;
    for (const item of iface.items) {
      if (item.kind === "enum") {
        out += "\n" + jsdoc(item.doc);
        out += `export type ${pascal(item.name)} =\n`;
        out += item.cases.map((c) => `${jsdoc(c.doc, "  ")}  | ${JSON.stringify(c.name)}`).join("\n") + ";\n";
        out += `export const ${pascal(item.name).toUpperCase()}_VALUES: readonly ${pascal(item.name)}[] = [${item.cases.map((c) => JSON.stringify(c.name)).join(", ")}];\n`;
      } else if (item.kind === "record") {
        out += "\n" + jsdoc(item.doc);
        out += `export interface ${pascal(item.name)} {\n`;
        for (const f of item.fields) out += `${jsdoc(f.doc, "  ")}  ${camel(f.name)}: ${tsType(f.type)};\n`;
        out += `}\n`;
      }
    }
    const funcs = iface.items.filter((x) => x.kind === "func");
    if (funcs.length) {
      out += "\n" + jsdoc([...iface.doc, ...(iface.doc.length ? [""] : []), `The functions of \`${ns}:${name}/${iface.name}@${version}\`.`]);
      out += `export interface ${pascal(iface.name)}Functions {\n`;
      for (const f of funcs) out += funcSig(f, "  ");
      out += `}\n`;
    }
  }
  for (const world of wit.worlds) {
    const funcs = world.exports.filter((x) => x.kind === "func");
    out += `\n// ---- world ${world.name}\n\n`;
    out += `/** The interfaces world \`${world.name}\` imports. */\n`;
    out += `export const ${world.name.toUpperCase()}_IMPORTS = [${world.imports.map((x) => JSON.stringify(`${ns}:${name}/${x.name}@${version}`)).join(", ")}] as const;\n\n`;
    out += jsdoc([`What a component of world \`${world.name}\` exports.`]);
    out += `export interface ${pascal(world.name)}Exports {\n`;
    for (const f of funcs) out += funcSig(f, "  ");
    out += `}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (schemars output: $defs, objects, nullable type arrays, anyOf [ref, null], oneOf of
// consts, arrays, maps)

function refName(ref) {
  const m = /^#\/\$defs\/(.+)$/.exec(ref);
  if (!m) throw new Error(`${SCHEMA}: unsupported $ref ${ref}`);
  return m[1];
}

function isNullable(p) {
  if (p === true || p === undefined) return true;
  if (Array.isArray(p.type)) return p.type.includes("null");
  if (p.anyOf) return p.anyOf.some((x) => x.type === "null");
  return !p.type && !p.$ref && !p.oneOf;
}

function schemaType(p) {
  if (p === true || p === undefined) return "Json";
  if (p.$ref) return refName(p.$ref);
  if (p.const !== undefined) return JSON.stringify(p.const);
  if (p.anyOf) return p.anyOf.map(schemaType).join(" | ");
  if (p.oneOf) return p.oneOf.map(schemaType).join(" | ");
  if (p.type === undefined) return "Json";
  const types = Array.isArray(p.type) ? p.type : [p.type];
  return types
    .map((t) => {
      switch (t) {
        case "string":
          return "string";
        case "integer":
        case "number":
          return "number";
        case "boolean":
          return "boolean";
        case "null":
          return "null";
        case "array": {
          const inner = schemaType(p.items);
          return /^[A-Za-z]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
        }
        case "object":
          if (p.additionalProperties && typeof p.additionalProperties === "object")
            return `Record<string, ${schemaType(p.additionalProperties)}>`;
          return "{ [key: string]: Json }";
        default:
          throw new Error(`${SCHEMA}: unsupported type ${t}`);
      }
    })
    .join(" | ");
}

/**
 * What a field absent from a document becomes when serde reads it: its `default`, `null` for an
 * `Option`, an empty list or map for a `Vec` or map (serde `default`, omitted from the schema with
 * `skip_serializing_if`); `undefined`: the field is required.
 */
function absentValue(p, required) {
  if (required) return undefined;
  if (p !== true && p.default !== undefined) return { value: p.default };
  if (isNullable(p)) return { value: null };
  const types = Array.isArray(p.type) ? p.type : [p.type];
  if (types.includes("array")) return { value: [] };
  if (types.includes("object")) return { value: {} };
  return undefined;
}

function docLines(p) {
  return p && p !== true && typeof p.description === "string" ? p.description.split("\n") : [];
}

/** The shape the test host normalises a document with (see src/testing/snapshot.ts). */
function shapeOf(p) {
  if (p === true || p === undefined) return { t: "any" };
  if (p.$ref) return { t: "ref", ref: refName(p.$ref) };
  if (p.anyOf) {
    const refs = p.anyOf.filter((x) => x.$ref);
    return refs.length === 1 ? { t: "ref", ref: refName(refs[0].$ref) } : { t: "any" };
  }
  const types = Array.isArray(p.type) ? p.type : [p.type];
  if (types.includes("array")) return p.items && p.items !== true && p.items.$ref ? { t: "list", items: shapeOf(p.items) } : { t: "any" };
  if (types.includes("object") && p.additionalProperties && typeof p.additionalProperties === "object" && p.additionalProperties.$ref)
    return { t: "map", values: shapeOf(p.additionalProperties) };
  return { t: "any" };
}

function genSnapshot(schema) {
  const defs = schema.$defs;
  const resource = defs.Resource;
  const kinds = resource.oneOf.map((o) => [o.properties.kind.const, refName(o.properties.config.$ref)]);
  let out = "";
  out += `// GENERATED by scripts/gen-types.mjs from docs/snapshot.schema.json: do not edit; run \`node scripts/gen-types.mjs\`.\n`;
  out += `//\n`;
  out += `// The snapshot's resource kinds and their configuration, as a policy receives them: \`config\` is\n`;
  out += `// the parsed JSON object of the resource's configuration. Field names are the snapshot's\n`;
  out += `// (snake_case). A field with a default in the schema is always present (the host writes every\n`;
  out += `// field; the native test host fills defaults in the same way).\n\n`;
  out += `/** Any JSON value. */\n`;
  out += `export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };\n`;
  const objectInterface = (name, def) => {
    let s = "\n" + jsdoc(docLines(def));
    s += `export interface ${name} {\n`;
    const required = new Set(def.required || []);
    for (const [field, p] of Object.entries(def.properties || {})) {
      const present = required.has(field) || absentValue(p, false) !== undefined;
      s += `${jsdoc(docLines(p), "  ")}  ${/^[a-z_][a-z0-9_]*$/i.test(field) ? field : JSON.stringify(field)}${present ? "" : "?"}: ${schemaType(p)};\n`;
    }
    s += `}\n`;
    return s;
  };
  for (const [name, def] of Object.entries(defs)) {
    if (name === "Resource") continue;
    if (def.oneOf && !def.properties) {
      out += "\n" + jsdoc(docLines(def));
      out += `export type ${name} =\n`;
      out += def.oneOf.map((o) => `${jsdoc(docLines(o), "  ")}  | ${schemaType(o)}`).join("\n") + ";\n";
    } else if (def.type === "object" || def.properties) {
      out += objectInterface(name, def);
    } else {
      out += "\n" + jsdoc(docLines(def)) + `export type ${name} = ${schemaType(def)};\n`;
    }
  }
  out += `\n/** Each kind's configuration, by the snapshot's \`kind\`. */\n`;
  out += `export interface KindConfig {\n`;
  for (const [kind, def] of kinds) out += `  ${JSON.stringify(kind)}: ${def};\n`;
  out += `}\n\n`;
  out += `/** A resource kind: \`s3.bucket\`, \`iam.role\`, … */\n`;
  out += `export type Kind = keyof KindConfig;\n\n`;
  out += `/** Every resource kind, in the schema's order. */\n`;
  out += `export const KINDS: readonly Kind[] = [\n${kinds.map(([k]) => `  ${JSON.stringify(k)},`).join("\n")}\n];\n`;
  out += objectInterface("ResourceCommon", { description: "What every resource has besides its kind and configuration.", properties: resource.properties, required: resource.required });
  out += `\n/** A resource of one kind. */\n`;
  out += `export type ResourceOf<K extends Kind> = ResourceCommon & { kind: K; config: KindConfig[K] };\n\n`;
  out += `/**\n * ${(resource.description || "A resource.").split("\n").join("\n * ")}\n *\n`;
  out += ` * Discriminated by \`kind\`: after \`if (r.kind === "s3.bucket")\`, \`r.config\` is an {@link S3Bucket}.\n */\n`;
  out += `export type Resource = { [K in Kind]: ResourceOf<K> }[Kind];\n`;
  out += objectInterface("SnapshotDocument", { description: schema.description, properties: schema.properties, required: schema.required });
  return out;
}

function genShapes(schema) {
  const defs = schema.$defs;
  const shapes = {};
  for (const [name, def] of Object.entries(defs)) {
    if (name === "Resource" || !def.properties) continue;
    const required = new Set(def.required || []);
    shapes[name] = Object.entries(def.properties).map(([field, p]) => {
      const absent = absentValue(p, required.has(field));
      return absent === undefined ? [field, shapeOf(p)] : [field, shapeOf(p), absent.value];
    });
  }
  const kinds = Object.fromEntries(defs.Resource.oneOf.map((o) => [o.properties.kind.const, refName(o.properties.config.$ref)]));
  let out = "";
  out += `// GENERATED by scripts/gen-types.mjs from docs/snapshot.schema.json: do not edit; run \`node scripts/gen-types.mjs\`.\n`;
  out += `//\n`;
  out += `// For the native test host: each object type's fields in the schema's order, each with its\n`;
  out += `// shape and, when it may be absent, the value serde gives it. A resource read from a fixture\n`;
  out += `// is rewritten with them, as the host rewrites every resource (decoded, then serialised).\n\n`;
  out += `import type { Json } from "../snapshot.ts";\n\n`;
  out += `export type Shape = { t: "any" } | { t: "ref"; ref: string } | { t: "list"; items: Shape } | { t: "map"; values: Shape };\n`;
  out += `/** \`[field, shape]\` for a required field, \`[field, shape, value when absent]\` otherwise. */\n`;
  out += `export type Field = [string, Shape] | [string, Shape, Json];\n\n`;
  out += `export const OBJECTS: Record<string, Field[]> = {\n`;
  for (const [name, fields] of Object.entries(shapes)) {
    out += `  ${name}: [\n`;
    for (const f of fields) out += `    ${JSON.stringify(f)},\n`;
    out += `  ],\n`;
  }
  out += `};\n\n`;
  out += `/** The object type of each kind's config. */\n`;
  out += `export const KIND_OBJECTS: Record<string, string> = ${JSON.stringify(kinds, null, 2)};\n`;
  return out;
}

// ---------------------------------------------------------------------------------------------

const schema = JSON.parse(readFileSync(SCHEMA, "utf8"));
const outputs = [
  [join(sdk, "src", "wit.ts"), genWit(readFileSync(WIT, "utf8"))],
  [join(sdk, "src", "snapshot.ts"), genSnapshot(schema)],
  [join(sdk, "src", "testing", "snapshot-shapes.ts"), genShapes(schema)],
];

const check = process.argv.includes("--check");
let stale = 0;
for (const [path, text] of outputs) {
  let current = null;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = null;
  }
  if (current === text) continue;
  if (check) {
    stale++;
    console.error(`${relative(process.cwd(), path)} is stale: run node ${relative(process.cwd(), join(sdk, "scripts", "gen-types.mjs"))}`);
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${relative(process.cwd(), path)}`);
  }
}
process.exit(stale ? 1 : 0);
