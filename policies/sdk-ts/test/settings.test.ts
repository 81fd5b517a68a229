import assert from "node:assert/strict";
import { test } from "node:test";
import { boolean, integer, onlyKeys, SettingsError, string, strings } from "../src/index.ts";
import { errorText } from "../src/host.ts";

const s = { days: 30, names: ["a"], on: false, bad: "x", mixed: ["a", 1] };

test("defaults and values, as settings.rs", () => {
  assert.equal(integer(s, "days", 90, 1, 365), 30);
  assert.equal(integer(s, "missing", 90, 1, 365), 90);
  assert.deepEqual(strings(s, "names", ["z"]), ["a"]);
  assert.deepEqual(strings(s, "other", ["z"]), ["z"]);
  assert.equal(boolean(s, "on", true), false);
  assert.equal(string(s, "bad", "d"), "x");
  assert.equal(string(s, "none", "d"), "d");
  onlyKeys({}, []);
  onlyKeys(s, ["days", "names", "on", "bad", "mixed"]);
});

test("errors name the key, in the Rust SDK's words", () => {
  const refused = (f: () => unknown, message: string) => assert.throws(f, (e) => e instanceof SettingsError && e.message === message);
  refused(() => integer(s, "days", 90, 31, 365), 'setting "days" must be a whole number from 31 to 365');
  refused(() => integer({ n: 1.5 }, "n", 1, 0, 9), 'setting "n" must be a whole number from 0 to 9');
  refused(() => strings(s, "bad", []), 'setting "bad" must be a list of strings');
  refused(() => strings(s, "mixed", []), 'setting "mixed" must be a list of strings');
  refused(() => string(s, "days", ""), 'setting "days" must be a string');
  refused(() => boolean(s, "bad", true), 'setting "bad" must be true or false');
  refused(() => onlyKeys(s, ["days", "names", "on"]), 'unknown setting "bad"; the settings are: days, names, on');
  refused(() => onlyKeys({ x: 1 }, []), 'unknown setting "x": this policy has no settings');
  refused(() => onlyKeys([], ["a"]), "settings must be a table");
  // Keys are quoted as Rust's {:?} quotes them.
  refused(() => onlyKeys({ 'a"b\n\u00a0': 1 }, ["a"]), 'unknown setting "a\\"b\\n\\u{a0}"; the settings are: a');
});

test("the host is told an error's message", () => {
  assert.equal(errorText(new SettingsError('setting "x" must be a string')), 'setting "x" must be a string');
  assert.equal(errorText(new Error("plain")), "plain");
  assert.equal(errorText("thrown text"), "thrown text");
  assert.equal(errorText(new TypeError("x is undefined")), "TypeError: x is undefined");
  assert.equal(errorText(Object.assign(new Error("wrapped"), { payload: "the import's error" })), "the import's error");
});
