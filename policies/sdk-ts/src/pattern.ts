// IAM's wildcard matching, as bbscan's Rust code does it (scanner/iam/src/pattern.rs
// `wildcard_match`, scanner/iam/src/policy.rs `covers_action`, `covers_resource`), run inside
// the policy. The statements themselves are still read by the host (`statements`); what is done
// here is only the `*` and `?` match of a statement's lists, which costs far less in the policy
// than a call into the host (each call lowers the whole statement through the bindings). A
// table shared with the Rust code (scanner/iam/tests/wildcard-cases.json) holds both to the
// same answers.

import type { Statement } from "./wit.ts";

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) return false;
  }
  return true;
}

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

/**
 * IAM wildcard matching: `*` any run, `?` one character. Case-insensitive when `foldCase`
 * (actions are; ARNs are not): both lowercased first — on ASCII text that is Rust's ASCII folding,
 * on other text Rust lowercases both as well.
 */
export function wildcardMatch(pattern: string, value: string, foldCase: boolean): boolean {
  const p = foldCase ? pattern.toLowerCase() : pattern;
  const v = foldCase ? value.toLowerCase() : value;
  if (isAscii(p) && isAscii(v)) return matches(p, v);
  return matches(Array.from(p), Array.from(v));
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
