// IAM as AWS reads it, answered by the host (`bbscan:policy/iam`) with the code bbscan's
// built-in rules use: a TypeScript policy reads documents and matches actions exactly as every
// other policy does, without an IAM implementation of its own.

import { errorText, host } from "./host.ts";
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
  const text = JSON.stringify(document === undefined ? null : document);
  let found: Statement[];
  try {
    found = host().statements(text);
  } catch (e) {
    throw new Error(errorText(e));
  }
  if (cacheable) read.set(document, found);
  return found;
}

/**
 * Statements already read, by document: a managed policy that many roles attach is read once
 * (a lookup gives the same object each time). The arrays are shared: do not modify them.
 */
const read = new WeakMap<object, Statement[]>();
/** Answers of `coversAction` / `coversResource`, by statement, then by `a:` action or `r:` ARN. */
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
  return host().actionMatches(pattern, action);
}

/** Whether a resource pattern covers an ARN: `*` and `?`, case-sensitive, variables unresolved. */
export function resourceMatches(pattern: string, arn: string): boolean {
  return host().resourceMatches(pattern, arn);
}

/** Whether a statement's `Action` (or everything outside its `NotAction`) covers `action`. */
export function coversAction(statement: Statement, action: string): boolean {
  return remembered(statement, `a:${action}`, () => host().coversAction(statement, action));
}

/** Whether a statement's `Resource` (or everything outside its `NotResource`) covers `arn`. */
export function coversResource(statement: Statement, arn: string): boolean {
  return remembered(statement, `r:${arn}`, () => host().coversResource(statement, arn));
}

/**
 * An action's access level in AWS's service authorization data: `list`, `read`, `write`,
 * `permissions-management` or `tagging`; `undefined` for an action AWS does not define.
 */
export function accessLevel(action: string): string | undefined {
  return host().accessLevel(action);
}
