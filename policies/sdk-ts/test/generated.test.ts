// The generated files (src/wit.ts, src/snapshot.ts, src/testing/snapshot-shapes.ts) are what
// scripts/gen-types.mjs makes of wit/policy.wit and docs/snapshot.schema.json, and --check says
// when they are not.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { CONTRACT, CONTRACT_VERSION } from "../src/index.ts";

const sdk = fileURLToPath(new URL("..", import.meta.url));
const repo = join(sdk, "..", "..");

const gen = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, "policies", "sdk-ts", "scripts", "gen-types.mjs"), ...args], { encoding: "utf8" });

test("the generated files are up to date", () => {
  const r = gen(repo, "--check");
  assert.equal(r.status, 0, r.stderr);
});

test("--check names a stale file; regenerating fixes it", () => {
  const root = mkdtempSync(join(tmpdir(), "bbscan-gen-"));
  for (const part of ["wit/policy.wit", "docs/snapshot.schema.json", "policies/sdk-ts/scripts", "policies/sdk-ts/src"]) {
    cpSync(join(repo, part), join(root, part), { recursive: true });
  }
  const wit = join(root, "wit", "policy.wit");
  writeFileSync(wit, readFileSync(wit, "utf8").replace("record tally {", "record tally {\n        /// New.\n        skipped: u32,"));
  const stale = gen(root, "--check");
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /src\/wit\.ts is stale/);
  assert.equal(gen(root).status, 0);
  assert.match(readFileSync(join(root, "policies/sdk-ts/src/wit.ts"), "utf8"), /skipped: number;/);
  assert.equal(gen(root, "--check").status, 0);
});

test("the package's version is the contract's", () => {
  const pkg = JSON.parse(readFileSync(join(sdk, "package.json"), "utf8")) as { version: string };
  assert.equal(pkg.version, CONTRACT_VERSION);
  assert.equal(CONTRACT, `bbscan:policy@${CONTRACT_VERSION}`);
});
