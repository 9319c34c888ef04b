import type { AfterPath, AnswerKeysAreOperations, AnswerOf, Method, PathPattern } from "./api-paths";
import type { RunPage } from "./types";

/**
 * Compile-time checks of api-paths.ts (`tsc -p web/tsconfig.json` fails if one stops holding):
 * calls the document lacks or gets wrong must not compile. Never imported by the app.
 */
declare function call<M extends Method, P extends PathPattern<M>>(
  method: M,
  path: P,
  ...rest: AfterPath<M, P>
): AnswerOf<M, P>;
const someId = "x" as string;

export const answerKeysAreOperations: AnswerKeysAreOperations = true;
export const typedAnswer: RunPage = call("GET", "/runs", undefined, { status: "failed" });

// @ts-expect-error a path under a known one that the document lacks
call("GET", `/flows/${someId}/typo`);
// @ts-expect-error a method the path does not have
call("DELETE", "/flows");
// @ts-expect-error a body field of the wrong type (version is an integer)
call("POST", `/flows/${someId}/publish`, { version: "1" });
// @ts-expect-error a query value the operation does not accept
call("GET", "/runs", undefined, { status: "nope" });
