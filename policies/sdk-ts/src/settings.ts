// Reading a policy's settings (the `[policies.<name>]` table of `bbscan.toml`, as JSON) with
// defaults and errors that name the key, worded as the Rust SDK words them
// (policies/sdk/src/settings.rs). Use the same functions in `validateSettings` and `evaluate`,
// so a bad value is refused before any evaluation.

import type { Json } from "./snapshot.ts";
import { quote } from "./text.ts";

/** A setting that is not what the policy expects; its message is what the user is shown. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/** A policy's settings: the JSON object of its `bbscan.toml` table, `{}` when none. */
export type Settings = { [key: string]: Json };

function get(settings: Json, key: string): Json | undefined {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) return undefined;
  return Object.hasOwn(settings, key) ? settings[key] : undefined;
}

function wrong(key: string, what: string): SettingsError {
  return new SettingsError(`setting ${quote(key)} must be ${what}`);
}

/** A list of strings; `fallback` when the key is absent. */
export function strings(settings: Json, key: string, fallback: readonly string[]): string[] {
  const v = get(settings, key);
  if (v === undefined) return [...fallback];
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) throw wrong(key, "a list of strings");
  return v as string[];
}

/** A string; `fallback` when the key is absent. */
export function string(settings: Json, key: string, fallback: string): string {
  const v = get(settings, key);
  if (v === undefined) return fallback;
  if (typeof v !== "string") throw wrong(key, "a string");
  return v;
}

/** A whole number in `min..=max`; `fallback` when the key is absent. */
export function integer(settings: Json, key: string, fallback: number, min: number, max: number): number {
  const v = get(settings, key);
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw wrong(key, `a whole number from ${min} to ${max}`);
  }
  return v;
}

/** A boolean; `fallback` when the key is absent. */
export function boolean(settings: Json, key: string, fallback: boolean): boolean {
  const v = get(settings, key);
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw wrong(key, "true or false");
  return v;
}

/** Refuse keys the policy does not know, so a typo is an error rather than silently ignored. */
export function onlyKeys(settings: Json, known: readonly string[]): void {
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new SettingsError("settings must be a table");
  }
  const unknown = Object.keys(settings).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  if (known.length === 0) throw new SettingsError(`unknown setting ${quote(unknown)}: this policy has no settings`);
  throw new SettingsError(`unknown setting ${quote(unknown)}; the settings are: ${known.join(", ")}`);
}
