// IAM's wildcard matching, as bbscan's Rust code does it (scanner/iam/src/pattern.rs
// `wildcard_match`, scanner/iam/src/policy.rs `covers_action`, `covers_resource`), run inside
// the policy (as the statements are read, `statements.ts`): the `*` and `?` match of a
// statement's lists costs far less in the policy than a call into the host (each call lowers the
// whole statement through the bindings). A table shared with the Rust code
// (scanner/iam/tests/wildcard-cases.json) holds both to the same answers.

import type { Statement } from "./wit.ts";

/** ASCII text: tested by the engine's regular expressions, not a loop of interpreted code. */
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Iterative matching with backtracking to the last `*`, one character at a time: the UTF-16
 * units of ASCII text, or the code points of other text (so that `?` is one character).
 */
function matches(p: ArrayLike<string>, v: ArrayLike<string>): boolean {
  let pi = 0;
  let vi = 0;
  let lastStar = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && p[pi] !== "*" && (p[pi] === "?" || p[pi] === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && p[pi] === "*") {
      lastStar = pi;
      mark = vi;
      pi += 1;
    } else if (lastStar >= 0) {
      pi = lastStar + 1;
      mark += 1;
      vi = mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi += 1;
  return pi === p.length;
}

/** Patterns without `?`, split at their `*`s (a policy asks the same few patterns again and again). */
const split = new Map<string, readonly string[]>();
/** Bound on {@link split}: a document with many distinct patterns does not grow it without end. */
const MAX_SPLIT = 4096;

/**
 * A pattern with no `?` against ASCII text: its literal runs found with the engine's own string
 * search (the first run a prefix, the last a suffix, each run between at its leftmost place
 * after the one before, which is where any match can put it). Gives the answers of
 * {@link matches}, in time linear in the value, with no loop of interpreted code per character
 * (inside a component the policy's JavaScript is interpreted; the string functions are not).
 */
function literalRunsMatch(p: string, v: string): boolean {
  let runs = split.get(p);
  if (runs === undefined) {
    runs = p.split("*");
    if (split.size >= MAX_SPLIT) split.clear();
    split.set(p, runs);
  }
  if (runs.length === 1) return p === v;
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  if (v.length < first.length + last.length || !v.startsWith(first) || !v.endsWith(last)) return false;
  let at = first.length;
  const end = v.length - last.length;
  for (let i = 1; i < runs.length - 1; i++) {
    const run = runs[i]!;
    if (run === "") continue;
    const found = v.indexOf(run, at);
    if (found < 0 || found + run.length > end) return false;
    at = found + run.length;
  }
  return true;
}

/**
 * IAM wildcard matching: `*` any run, `?` one character. Case-insensitive when `foldCase`
 * (actions are; ARNs are not): both lowercased first — on ASCII text that is Rust's ASCII folding,
 * on other text Rust lowercases both as well.
 */
export function wildcardMatch(pattern: string, value: string, foldCase: boolean): boolean {
  const p = foldCase ? pattern.toLowerCase() : pattern;
  const v = foldCase ? value.toLowerCase() : value;
  if (!ASCII.test(p) || !ASCII.test(v)) return matches(Array.from(p), Array.from(v));
  if (!p.includes("?")) return literalRunsMatch(p, v);
  return matches(p, v);
}

function anyMatches(patterns: readonly string[], value: string, foldCase: boolean): boolean {
  for (const p of patterns) {
    if (wildcardMatch(p, value, foldCase)) return true;
  }
  return false;
}

/** Whether a statement's `Action` (or everything outside its `NotAction`) covers `action`. */
export function statementCoversAction(s: Statement, action: string): boolean {
  if (s.notActions.length > 0) return !anyMatches(s.notActions, action, true);
  return anyMatches(s.actions, action, true);
}

/** Whether a statement's `Resource` (or everything outside its `NotResource`) covers `arn`. */
export function statementCoversResource(s: Statement, arn: string): boolean {
  if (s.notResources.length > 0) return !anyMatches(s.notResources, arn, false);
  return anyMatches(s.resources, arn, false);
}
