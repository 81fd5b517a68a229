// The `bbscan:policy/iam` functions as the host answers them, for native tests, where there is no
// host: the host's `statements` (scanner/src/host/iam.rs: the document is JSON text of at most
// 1 MiB, read as `bbscan_iam::statements` reads it, which the SDK's own reading `../statements.ts`
// follows), the wildcard matching of `../pattern.ts` and the access levels of AWS's catalogue
// read from the repository's copy (`./catalogue.ts`). The SDK itself asks a host only for access
// levels; the rest is here so that a test can ask what a component's host would answer.

import { statementCoversAction, statementCoversResource, wildcardMatch } from "../pattern.ts";
import type { Json } from "../snapshot.ts";
import { readStatements } from "../statements.ts";
import { utf8Length } from "../text.ts";
import type { IamFunctions, Statement } from "../wit.ts";
import { accessLevel } from "./catalogue.ts";

/** The most the host reads of a document, in bytes. */
const MAX_DOCUMENT_BYTES = 1 << 20;

/** The `bbscan:policy/iam` functions as the host answers them, for the test host. */
export const nativeIam: IamFunctions = {
  statements(document: string): Statement[] {
    const bytes = utf8Length(document);
    if (bytes > MAX_DOCUMENT_BYTES) {
      throw `the document is ${bytes} bytes; IAM documents are at most ${MAX_DOCUMENT_BYTES}`;
    }
    let value: Json;
    try {
      value = JSON.parse(document) as Json;
    } catch (e) {
      throw `the document is not JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
    return readStatements(value);
  },
  actionMatches: (pattern, action) => wildcardMatch(pattern, action, true),
  resourceMatches: (pattern, arn) => wildcardMatch(pattern, arn, false),
  coversAction: statementCoversAction,
  coversResource: statementCoversResource,
  accessLevel,
};
