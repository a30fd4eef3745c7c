import type { Words } from "../../i18n";

/** A transfer customer's status in the operator's words. */
export const statusText = (t: Words, status: string) => t[`xfer.${status}` as keyof Words] ?? status;

/** Why a customer was excluded or failed, in the operator's words (the API's slug when unknown). */
export const reasonText = (t: Words, reason: string | undefined) => (reason ? (t[`why.${reason}` as keyof Words] ?? reason) : "—");

export const STATUS_COLOR: Record<string, string> = {
  pending: "default",
  waiting: "processing",
  done: "success",
  refused: "warning",
  "taker-at-cap": "warning",
  failed: "error",
  excluded: "default",
};
