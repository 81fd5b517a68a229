// What `bbscan policy build` bundles — a policy with '@bbscan/policy' and
// '@bbscan/policy/component' — builds for a JavaScript engine with no Node: nothing but the
// host's `bbscan:*` interfaces is left to import.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { build } from "esbuild";

test("the component entry bundles for a neutral platform", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bbscan-bundle-"));
  const src = fileURLToPath(new URL("../src/", import.meta.url));
  writeFileSync(
    join(dir, "policy.ts"),
    `import { definePolicy, statements } from ${JSON.stringify(join(src, "index.ts"))};
export default definePolicy({
  name: "p", version: "0.1.0",
  rules: [{ id: "P.ONE", title: "t", description: "d", defaultSeverity: "low", kinds: ["iam.role"], compliance: [], helpText: "h", helpMarkdown: "m", remediation: "r" }],
  evaluate(_ctx, resources, report) { for (const r of resources) if (r.kind === "iam.role" && statements(r.config.trust_policy).length > 0) report.pass("P.ONE"); },
});
`,
  );
  writeFileSync(
    join(dir, "entry.mjs"),
    `import * as snapshot from 'bbscan:policy/snapshot@0.2.0';
import * as iam from 'bbscan:policy/iam@0.2.0';
import { componentExports } from ${JSON.stringify(join(src, "component.ts"))};
import policy from './policy.ts';
export const { describe, validateSettings, evaluate } = componentExports(policy, { snapshot, iam });
`,
  );
  const result = await build({
    entryPoints: [join(dir, "entry.mjs")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    external: ["bbscan:*"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  assert.deepEqual(imports.sort(), ["bbscan:policy/iam@0.2.0", "bbscan:policy/snapshot@0.2.0"]);
  const text = result.outputFiles[0]!.text;
  assert.match(text, /export \{[^}]*describe[^}]*\}/);
  // Nothing the component's engine lacks: no Unicode property escapes, no Node modules.
  assert.doesNotMatch(text, /\\p\{/);
  assert.doesNotMatch(text, /node:/);
});
