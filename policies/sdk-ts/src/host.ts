// What a policy reaches outside itself: lookups into the snapshot and the IAM helpers. Inside a
// component they are the host's imports (installed by `component.ts`); in native tests, the test
// host of `testing.ts` (the fixture snapshot and a port of bbscan's IAM code). This module names
// no `bbscan:*` import itself, so that the SDK also loads where none exists (Node).

import type { Resource } from "./snapshot.ts";
import type { IamFunctions } from "./wit.ts";

/**
 * The host a policy runs against: its lookups, and the access levels of AWS's actions (reading
 * documents and matching wildcards are the SDK's own, `statements.ts` and `pattern.ts`).
 */
export interface Host extends Pick<IamFunctions, "accessLevel"> {
  /** A resource of the kinds the policy's rules declare, by ARN. */
  resourceByArn(arn: string): Resource | undefined;
  /** Every resource of `kind` (nothing for a kind the rules do not declare). */
  resourcesOfKind(kind: string): Resource[];
}

let current: Host | undefined;

/** Make `host` the one the SDK's lookups and IAM helpers call; returns the previous one. */
export function installHost(host: Host | undefined): Host | undefined {
  const previous = current;
  current = host;
  return previous;
}

/** The installed host. */
export function host(): Host {
  if (current === undefined) {
    throw new Error(
      "bbscan policy SDK: no host. Inside a component the host is installed by " +
        "'@bbscan/policy/component'; in native tests import '@bbscan/policy/testing' (its `run` and " +
        "`checkFixtures` install the test host).",
    );
  }
  return current;
}

/** The text of an error thrown by a policy or by a host function: what the host is told. */
export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  // An import's `result` error, as the bindings throw it.
  if (typeof e === "object" && e !== null && "payload" in e && typeof e.payload === "string") return e.payload;
  if (e instanceof Error) return e.name === "Error" || e.name === "SettingsError" ? e.message : `${e.name}: ${e.message}`;
  return String(e);
}
