// Access levels for native tests, read from the same IAM action catalogue the host embeds
// (scanner/iam/data/iam-actions.tsv, beside this SDK in the bbscan repository; or the file
// named by BBSCAN_IAM_CATALOGUE). Looked up as scanner/iam/src/catalogue.rs does: `service:Action`,
// split at the first colon, compared without ASCII case.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const LEVELS: Record<string, string> = {
  L: "list",
  R: "read",
  P: "permissions-management",
  T: "tagging",
};

let levels: Map<string, string> | undefined;

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Where the catalogue is. */
export function cataloguePath(): string {
  return process.env.BBSCAN_IAM_CATALOGUE ?? fileURLToPath(new URL("../../../../scanner/iam/data/iam-actions.tsv", import.meta.url));
}

function load(): Map<string, string> {
  const path = cataloguePath();
  if (!existsSync(path)) {
    throw new Error(
      `the IAM action catalogue is not at ${path} (this SDK expects to sit in the bbscan repository at ` +
        `policies/sdk-ts); set BBSCAN_IAM_CATALOGUE to scanner/iam/data/iam-actions.tsv`,
    );
  }
  const map = new Map<string, string>();
  let service: string | undefined;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const fields = line.replace(/\r$/, "").split("\t");
    if (fields[0] === "s") service = asciiLower(fields[1] ?? "");
    else if (fields[0] === "a" && service !== undefined) {
      // Anything but L, R, P and T is Write, as catalogue.rs reads it.
      map.set(`${service}:${asciiLower(fields[1] ?? "")}`, LEVELS[fields[2] ?? ""] ?? "write");
    }
  }
  return map;
}

/** An action's access level (`read`, `write`, …), `undefined` for an action AWS does not define. */
export function accessLevel(action: string): string | undefined {
  levels ??= load();
  const colon = action.indexOf(":");
  if (colon < 0) return undefined;
  return levels.get(`${asciiLower(action.slice(0, colon))}:${asciiLower(action.slice(colon + 1))}`);
}
