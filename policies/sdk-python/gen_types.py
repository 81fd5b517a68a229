#!/usr/bin/env python3
"""Generate bbscan_policy/snapshot.py from docs/snapshot.schema.json.

Each object definition of the schema becomes a TypedDict, each set of string constants a
Literal, and each resource kind is mapped to its configuration's TypedDict (KIND_CONFIG,
config_of). The field defaults are kept as data too, so that the native test host completes a
fixture's configs exactly as bbscan does before handing them to a policy.

    python3 gen_types.py            # rewrite bbscan_policy/snapshot.py
    python3 gen_types.py --check    # exit 1 when snapshot.py is not what the schema gives

The output depends on the schema alone (no date, no environment): the same schema gives the
same file byte for byte.
"""

from __future__ import annotations

import argparse
import json
import keyword
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCHEMA = HERE.parent.parent / "docs" / "snapshot.schema.json"
OUTPUT = HERE / "bbscan_policy" / "snapshot.py"

# Definitions renamed so that they do not read like the SDK's own classes of the same name.
RENAMED = {"Resource": "ResourceDocument", "Gap": "GapDocument"}
ROOT = "SnapshotDocument"


class SchemaError(Exception):
    """The schema uses a construct this generator does not translate."""


def class_name(ref: str) -> str:
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise SchemaError(f"unsupported $ref {ref!r}")
    name = ref[len(prefix) :]
    return RENAMED.get(name, name)


SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def type_of(schema: Any, where: str) -> str:
    """The Python annotation of a property's schema."""
    if schema is True or schema == {}:
        return "Any"
    if not isinstance(schema, dict):
        raise SchemaError(f"{where}: unsupported schema {schema!r}")
    if "$ref" in schema:
        return class_name(schema["$ref"])
    if "const" in schema:
        return f"Literal[{json.dumps(schema['const'])}]"
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            options = [type_of(o, where) for o in schema[combinator]]
            return " | ".join(dict.fromkeys(options))
    kinds = schema.get("type")
    if kinds is None:
        return "Any"
    if isinstance(kinds, str):
        kinds = [kinds]
    parts = []
    for kind in kinds:
        if kind in SCALARS:
            parts.append(SCALARS[kind])
        elif kind == "array":
            parts.append(f"list[{type_of(schema.get('items', True), where + '[]')}]")
        elif kind == "object":
            if "properties" in schema:
                raise SchemaError(f"{where}: an inline object with properties has no name")
            extra = schema.get("additionalProperties", True)
            parts.append(f"dict[str, {type_of(extra, where + '{}')}]")
        else:
            raise SchemaError(f"{where}: unsupported type {kind!r}")
    # `None` last, as one writes `str | None`.
    parts.sort(key=lambda p: p == "None")
    return " | ".join(parts)


def nested_of(schema: Any) -> tuple[str, str] | None:
    """Whether a property holds an object of a named definition, or a list of them."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return ("object", class_name(schema["$ref"]))
    for combinator in ("anyOf", "oneOf"):
        for option in schema.get(combinator, []):
            found = nested_of(option)
            if found:
                return found
    items = schema.get("items")
    if isinstance(items, dict) and "$ref" in items:
        return ("list", class_name(items["$ref"]))
    kinds = schema.get("type")
    if (kinds == "object" or isinstance(kinds, list) and "object" in kinds) and "properties" not in schema:
        # A map: bbscan keeps it sorted by key.
        return ("map", "")
    return None


def literal_options(schema: dict[str, Any]) -> list[str] | None:
    """The constants of a definition that is a set of string constants (`oneOf` of `const`)."""
    options = schema.get("oneOf")
    if not options or not all(isinstance(o, dict) and "const" in o for o in options):
        return None
    return [o["const"] for o in options]


def docstring(text: str, indent: str) -> list[str]:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = text.splitlines()
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}'] + [f"{indent}{line}" if line else "" for line in lines[1:]] + [f'{indent}"""']


def typed_dict(name: str, schema: dict[str, Any], where: str) -> list[str]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    bad = [p for p in properties if keyword.iskeyword(p) or not p.isidentifier()]
    if bad:
        raise SchemaError(f"{where}: property names that are not Python identifiers: {bad}")
    out = [f"class {name}(TypedDict):"]
    if schema.get("description"):
        out += docstring(schema["description"], "    ")
    if not properties:
        out.append("    pass")
    for prop, sub in properties.items():
        annotation = type_of(sub, f"{where}.{prop}")
        # A field with a default is always present: bbscan writes every field of a config.
        if prop not in required and not (isinstance(sub, dict) and "default" in sub):
            annotation = f"NotRequired[{annotation}]"
        out.append(f"    {prop}: {annotation}")
        if isinstance(sub, dict) and sub.get("description"):
            out += docstring(sub["description"], "    ")
    return out


def kinds_of(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """`(kind, config class)` for each resource kind, in the schema's order."""
    out = []
    for option in schema["$defs"]["Resource"].get("oneOf", []):
        props = option.get("properties", {})
        kind = props.get("kind", {}).get("const")
        config = props.get("config", {}).get("$ref")
        if kind is None or config is None:
            raise SchemaError(f"Resource.oneOf: an option without a kind const and a config $ref: {option}")
        out.append((kind, class_name(config)))
    if not out:
        raise SchemaError("Resource has no oneOf of kinds")
    return out


def render(schema: dict[str, Any]) -> str:
    defs = schema["$defs"]
    kinds = kinds_of(schema)
    lines = [
        "# Generated by policies/sdk-python/gen_types.py from docs/snapshot.schema.json: do not edit by hand.",
        '"""The snapshot\'s documents as types: each resource kind\'s configuration as a TypedDict.',
        "",
        "`resource.config` is the parsed JSON of the resource's configuration; `config_of(resource,",
        '"iam.role")` gives it its TypedDict (IamRole) for a type checker. Every field is present: bbscan',
        'writes every field of a config, with its default when AWS said nothing."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Literal, NotRequired, Protocol, TypedDict, overload",
        "",
        "Kind = Literal[",
    ]
    lines += [f"    {json.dumps(kind)}," for kind, _ in kinds]
    lines += ["]", '"""A resource kind (`s3.bucket`, `iam.role`, …)."""', ""]
    lines.append("KINDS: tuple[Kind, ...] = (")
    lines += [f"    {json.dumps(kind)}," for kind, _ in kinds]
    lines += [")", '"""Every resource kind, in the schema\'s order."""']

    nested: dict[str, dict[str, tuple[str, str]]] = {}
    defaults: dict[str, dict[str, Any]] = {}
    fields: dict[str, list[str]] = {}
    for name, sub in defs.items():
        cls = RENAMED.get(name, name)
        where = f"$defs.{name}"
        options = literal_options(sub)
        if options is not None:
            lines += ["", f"{cls} = Literal[{', '.join(json.dumps(o) for o in options)}]"]
            if sub.get("description"):
                lines += docstring(sub["description"], "")
            continue
        if sub.get("type") != "object":
            raise SchemaError(f"{where}: neither an object nor a set of constants")
        if name == "Resource":
            resource = dict(sub)
            resource["properties"] = {
                "kind": {"$ref": "#/$defs/Kind"},
                "config": {"description": "The kind's configuration (see KIND_CONFIG)."},
                **sub["properties"],
            }
            resource["required"] = ["kind", "config", *sub.get("required", [])]
            lines += ["", ""] + typed_dict(cls, resource, where)
        else:
            lines += ["", ""] + typed_dict(cls, sub, where)
        fields[cls] = list(sub.get("properties", {}))
        given = {
            p: s["default"] for p, s in sub.get("properties", {}).items() if isinstance(s, dict) and "default" in s
        }
        if given:
            defaults[cls] = given
        inner = {p: n for p, s in sub.get("properties", {}).items() if (n := nested_of(s))}
        if inner:
            nested[cls] = inner
    # Only objects are completed; a constant (`OriginKind`) is a value like any other.
    objects = {RENAMED.get(n, n) for n, s in defs.items() if s.get("type") == "object"}
    nested = {
        c: kept for c, f in nested.items() if (kept := {p: n for p, n in f.items() if n[0] == "map" or n[1] in objects})
    }
    root = {k: v for k, v in schema.items() if k in ("type", "properties", "required", "description")}
    lines += ["", ""] + typed_dict(ROOT, root, "root")

    lines += ["", "", "KIND_CONFIG: dict[str, type] = {"]
    lines += [f"    {json.dumps(kind)}: {cls}," for kind, cls in kinds]
    lines += ["}", '"""The TypedDict of each kind\'s configuration."""', ""]

    lines += ["", "class Configured(Protocol):", '    """Anything with a kind and a parsed config: a Resource."""', ""]
    lines += ["    @property", "    def kind(self) -> str: ...", ""]
    lines += ["    @property", "    def arn(self) -> str: ...", ""]
    lines += ["    @property", "    def config(self) -> Any: ...", ""]
    for kind, cls in kinds:
        lines += [
            "",
            "@overload",
            f"def config_of(resource: Configured, kind: Literal[{json.dumps(kind)}]) -> {cls}: ...",
        ]
    lines += [
        "",
        "",
        "def config_of(resource: Configured, kind: Kind) -> Any:",
        '    """`resource.config`, typed as the configuration of `kind`; a ValueError when the resource',
        '    is of another kind."""',
        "    if resource.kind != kind:",
        '        raise ValueError(f"{resource.arn} is a {resource.kind}, not a {kind}")',
        "    return resource.config",
        "",
    ]

    lines += [
        "",
        "# How bbscan reads a config before a policy sees it: the fields of each definition in order",
        "# (others are dropped), what it fills in when one is omitted (the schema's defaults), the",
        "# definition each nested object or list of objects follows, and the maps it keeps sorted by",
        "# key. The native test host completes fixture configs with them.",
    ]
    lines += ["CONFIG_DEFINITION: dict[str, str] = {"]
    lines += [f"    {json.dumps(kind)}: {json.dumps(cls)}," for kind, cls in kinds]
    lines += ["}", ""]
    lines.append("FIELDS: dict[str, tuple[str, ...]] = {")
    for cls, names in fields.items():
        lines.append(f"    {json.dumps(cls)}: (")
        lines += [f"        {json.dumps(n)}," for n in names]
        lines.append("    ),")
    lines += ["}", ""]
    lines.append("DEFAULTS: dict[str, dict[str, Any]] = {")
    for cls, given in defaults.items():
        lines.append(f"    {json.dumps(cls)}: {{")
        lines += [f"        {json.dumps(p)}: {python_literal(v)}," for p, v in given.items()]
        lines.append("    },")
    lines += ["}", ""]
    lines.append("NESTED: dict[str, dict[str, tuple[str, str]]] = {")
    for cls, inner in nested.items():
        lines.append(f"    {json.dumps(cls)}: {{")
        lines += [f"        {json.dumps(p)}: ({json.dumps(a)}, {json.dumps(b)})," for p, (a, b) in inner.items()]
        lines.append("    },")
    lines += ["}", ""]
    return "\n".join(lines)


def python_literal(value: Any) -> str:
    """A JSON value as Python source."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)}: {python_literal(v)}" for k, v in value.items()) + "}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the output is stale, write nothing")
    parser.add_argument("--schema", type=Path, default=SCHEMA, help=f"the schema (default {SCHEMA})")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"the module (default {OUTPUT})")
    args = parser.parse_args()
    try:
        text = render(json.loads(args.schema.read_text(encoding="utf-8")))
    except (OSError, ValueError, SchemaError) as e:
        print(f"gen_types.py: {e}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is stale: run python3 {Path(__file__).name} in {HERE}", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
