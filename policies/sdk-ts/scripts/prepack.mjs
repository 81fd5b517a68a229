// Runs before `npm pack` / `npm publish`: puts the contract (wit/policy.wit) and the licence
// inside the package, from the repository this SDK lives in (npm does not follow the symbolic
// links the Rust and Python packages use). Packing outside a checkout keeps what is there.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(here, "..", "..");
for (const [from, to] of [
  [join(repo, "wit", "policy.wit"), join(here, "wit", "policy.wit")],
  [join(repo, "LICENSE"), join(here, "LICENSE")],
]) {
  if (existsSync(from)) {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  } else if (!existsSync(to)) {
    console.error(`prepack: neither ${from} nor ${to} exists; pack from a bbscan checkout`);
    process.exit(1);
  }
}
