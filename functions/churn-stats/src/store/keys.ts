/**
 * The churn-stats table (single table, `pk`/`sk`, TTL `ttl`). Everything a reader needs is a key
 * lookup or a Query of one partition; nothing on a request or consumer path scans.
 *
 * | Item | pk | sk |
 * |---|---|---|
 * | customer ledger (every fact of one customer + `version`) | `LEDGER#<customerKey>` | `LEDGER` |
 * | fact log = per-day index of facts (by the fact's **UTC** day) | `FACTS#<YYYY-MM-DD>` | `<customerKey>#<factId>` |
 * | pending increments (a split write, see ledger.ts) | `PENDING#<customerKey>` | `v<version>` |
 * | day counters (day × group) | `DAY#<YYYY-MM-DD>` | `<group>` |
 * | month counters | `MONTH#<YYYY-MM>` | `<group>` |
 * | all-time counters = **group registry** (one partition per group kind) | `TOTAL#<kind>` | `<group>` |
 * | cohort counters (cohort day × group) | `COHORT#<YYYY-MM-DD>` | `<group>` |
 * | settings | `SETTINGS` | `CHURN` |
 * | loss-alert marker (one per loss fact) | `ALERT#<factId>` | `ALERT` |
 * | a member's app-message send window | `APPMSG#<userId>` | `WINDOW` |
 * | digest marker (one per day) | `DIGEST#<YYYY-MM-DD>` | `DIGEST` |
 * | reconciliation of a day | `RECON#<YYYY-MM-DD>` | `SUMMARY`, `STAFF#<userId>`, `GROUPCHAT#<owner>` |
 *
 * `<group>` is the domain's group id (`corp`, `relations`, `staff:<userId>`, `channel:<channelId>`);
 * `<kind>` is its part before the colon. Group ids are sort keys as they are (no `#` joining), so a
 * day partition is sorted by group and one kind's rows are a `begins_with` / `BETWEEN` range.
 */
import { addDays, dayRange, startOfCorpDay } from "@siyu/kernel";
import { type Key, key } from "@siyu/store";
import { customerKey, type GroupId, parseGroup } from "../domain/index.ts";

export const ledgerKey = (corpId: string, externalUserId: string): Key => ({ pk: key("LEDGER", customerKey({ corpId, externalUserId })), sk: "LEDGER" });

export const factLogKey = (utcDay: string, custKey: string, factId: string): Key => ({ pk: key("FACTS", utcDay), sk: `${custKey}#${factId}` });

export const pendingKey = (custKey: string, version: number): Key => ({ pk: key("PENDING", custKey), sk: `v${String(version).padStart(10, "0")}` });

export const dayRowKey = (day: string, group: GroupId): Key => ({ pk: key("DAY", day), sk: group });
export const monthRowKey = (month: string, group: GroupId): Key => ({ pk: key("MONTH", month), sk: group });
export const totalRowKey = (group: GroupId): Key => ({ pk: key("TOTAL", groupKind(group)), sk: group });
export const cohortRowKey = (day: string, group: GroupId): Key => ({ pk: key("COHORT", day), sk: group });

export const settingsKey: Key = { pk: "SETTINGS", sk: "CHURN" };
export const alertKey = (factId: string): Key => ({ pk: key("ALERT", factId), sk: "ALERT" });
export const appMessageWindowKey = (userId: string): Key => ({ pk: key("APPMSG", encodeURIComponent(userId)), sk: "WINDOW" });
export const digestKey = (day: string): Key => ({ pk: key("DIGEST", day), sk: "DIGEST" });
export const reconKey = (day: string) => key("RECON", day);

export type GroupKind = "corp" | "relations" | "staff" | "channel";

export function groupKind(group: GroupId): GroupKind {
  return parseGroup(group).kind;
}

/** The prefix of a kind's group ids (`staff:`), or the whole id for the single-group kinds. */
export function groupPrefix(kind: GroupKind): string {
  return kind === "staff" || kind === "channel" ? `${kind}:` : kind;
}

/** UTC calendar day of an instant (the fact log's partition). */
export const utcDay = (at: string | Date): string => new Date(at).toISOString().slice(0, 10);

/** The fact-log partitions a corp day's facts are in: the UTC days the corp day overlaps. */
export function factLogDaysOf(day: string, timeZone: string): string[] {
  const start = startOfCorpDay(day, timeZone);
  const end = new Date(startOfCorpDay(addDays(day, 1), timeZone).getTime() - 1);
  return dayRange(utcDay(start), utcDay(end));
}
