/** True for the SDK's conditional-check failure (a must-happen-once write found it already happened). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Cancellation reasons of a failed transaction, by item index (`ConditionalCheckFailed`, `None`, …). */
export function transactionCancellationCodes(error: unknown): string[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as Error & { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return reasons?.map((r) => r.Code ?? "None");
}

/**
 * A conditional write whose condition failing means "already done" (or "no longer applies"): the
 * failure is swallowed, anything else is thrown. Resolves to undefined when the condition failed.
 */
export async function unlessConditionFailed<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/**
 * Whether a conditional write took effect: true when it did, false when its condition failed (nothing
 * written); any other error is thrown.
 *
 * @example
 * if (!(await conditionMet(documentClient().send(new UpdateCommand({ …, ConditionExpression: "#s = :planned" }))))) return "already-done";
 */
export async function conditionMet(write: Promise<unknown>): Promise<boolean> {
  return (await unlessConditionFailed(write.then(() => true))) ?? false;
}
