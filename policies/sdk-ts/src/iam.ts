// IAM as AWS reads it, as bbscan's built-in rules read it. Documents are read into normalised
// statements and wildcards matched inside the policy (`statements.ts`, `pattern.ts`), held to the
// Rust code's answers by tables the Rust tests check too; the access levels come from the host
// (`bbscan:policy/iam`), which holds AWS's action catalogue. Reading and matching here rather
// than in the host: a call into the host lowers its arguments through the bindings one character
// at a time and lifts the answer value by value, which inside WebAssembly costs several times
// the work itself.

import { host } from "./host.ts";
import { statementCoversAction, statementCoversResource, wildcardMatch } from "./pattern.ts";
import { readStatements } from "./statements.ts";
import type { Json } from "./snapshot.ts";
import type { Statement } from "./wit.ts";

export type { Condition, Effect, Principals, Statement } from "./wit.ts";

/**
 * The statements of a policy document (the decoded document, as a resource's config holds it:
 * `config.document`, `config.trust_policy`, `config.policy`, …), each normalised (every
 * string-or-list a list, conditions one per key) with its JSON pointer and what is malformed in
 * it. A document with no `Statement` has none.
 */
export function statements(document: Json): Statement[] {
  const cacheable = typeof document === "object" && document !== null;
  const known = cacheable ? read.get(document) : undefined;
  if (known !== undefined) return known;
  const found = readStatements(document);
  if (cacheable) read.set(document, found);
  return found;
}

/**
 * Statements already read, by document: a managed policy that many roles attach is read once
 * (a lookup gives the same object each time). The arrays are shared: do not modify them.
 */
const read = new WeakMap<object, Statement[]>();
/**
 * Answers of `coversAction` / `coversResource`, by statement, then by `a:` action or `r:` ARN: a
 * managed policy's statements are asked the same questions for every role that attaches it.
 */
const covered = new WeakMap<Statement, Map<string, boolean>>();

function remembered(statement: Statement, key: string, ask: () => boolean): boolean {
  let answers = covered.get(statement);
  if (answers === undefined) {
    answers = new Map();
    covered.set(statement, answers);
  }
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = ask();
    answers.set(key, answer);
  }
  return answer;
}

/** Whether an action pattern (`s3:Get*`, `*`) covers an action: `*` and `?`, case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/** Whether a resource pattern covers an ARN: `*` and `?`, case-sensitive, variables unresolved. */
export function resourceMatches(pattern: string, arn: string): boolean {
  return wildcardMatch(pattern, arn, false);
}

/** Whether a statement's `Action` (or everything outside its `NotAction`) covers `action`. */
export function coversAction(statement: Statement, action: string): boolean {
  return remembered(statement, `a:${action}`, () => statementCoversAction(statement, action));
}

/** Whether a statement's `Resource` (or everything outside its `NotResource`) covers `arn`. */
export function coversResource(statement: Statement, arn: string): boolean {
  return remembered(statement, `r:${arn}`, () => statementCoversResource(statement, arn));
}

/**
 * An action's access level in AWS's service authorization data: `list`, `read`, `write`,
 * `permissions-management` or `tagging`; `undefined` for an action AWS does not define.
 */
export function accessLevel(action: string): string | undefined {
  const h = host();
  let known = levels.get(h);
  if (known === undefined) {
    known = new Map();
    levels.set(h, known);
  }
  if (known.has(action)) return known.get(action);
  const level = h.accessLevel(action);
  known.set(action, level);
  return level;
}

/** Access levels already asked, by host, then by action as written. */
const levels = new WeakMap<object, Map<string, string | undefined>>();
