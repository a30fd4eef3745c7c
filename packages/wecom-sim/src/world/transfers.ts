import type { CallbackRecord } from "../callbacks.ts";
import { ERR, limitError, SimError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/**
 * Customer transfer (在职继承 / 离职继承), wecom-reference §11. A started transfer waits 24 h (sim
 * clock) during which the customer may refuse; then it completes: the customer moves from the
 * handover member to the takeover member.
 */
export type TransferKind = "onjob" | "resigned";
/** transfer_result status: 1 done, 2 waiting, 3 refused, 4 taker at cap. */
type TransferStatus = 1 | 2 | 3 | 4;

interface Transfer {
  id: number;
  kind: TransferKind;
  handover: string;
  takeover: string;
  externalUserId: string;
  startedAt: number;
  /** When it completes automatically (or completed). */
  takeoverAt: number;
  status: TransferStatus;
  successMsg?: string;
}

const MAX_TRANSFER_BATCH = 100;
const TRANSFER_WAIT_MS = 24 * 3_600_000;
const TRANSFER_WINDOW_MS = 90 * 86_400_000;
const MAX_TRANSFERS_PER_WINDOW = 2;
/** A member holds at most 5,000 customers before expansion (wecom-reference §14); above → status 4. */
export const DEFAULT_CUSTOMER_CAP = 5000;

export class Transfers {
  readonly list: Transfer[] = [];
  constructor(private readonly w: SimWorld) {}

  start(
    kind: TransferKind,
    input: { handover_userid?: string | undefined; takeover_userid?: string | undefined; external_userid?: string[] | undefined; transfer_success_msg?: string | undefined },
  ): { external_userid: string; errcode: number }[] {
    const ids = input.external_userid ?? [];
    if (ids.length === 0) throw new WecomError(ERR.MISSING_EXTERNAL_USERID);
    if (ids.length > MAX_TRANSFER_BATCH) {
      throw limitError(ERR.INVALID_PARAMETER, "transfer.max-100-per-call", `${ids.length} customers in one call (max ${MAX_TRANSFER_BATCH})`, {
        count: ids.length,
      });
    }
    if (input.transfer_success_msg !== undefined && [...input.transfer_success_msg].length > 200) {
      throw limitError(ERR.INVALID_PARAMETER, "transfer.message-200-chars", "transfer_success_msg is longer than 200 chars");
    }
    const handover = this.w.staff.require(input.handover_userid);
    const takeover = this.w.staff.require(input.takeover_userid);
    if (kind === "resigned" && handover.status !== "resigned") throw new WecomError(ERR.NOT_RESIGNED, `${handover.userid} has not resigned`);
    if (takeover.status !== "active") throw new WecomError(ERR.INVALID_USERID, `takeover ${takeover.userid} is not active`);
    const now = this.w.clock.nowMs();
    const api = kind === "onjob" ? "externalcontact/transfer_customer" : "externalcontact/resigned/transfer_customer";
    return ids.map((ext) => {
      const errcode = this.check(kind, handover.userid, takeover.userid, ext, now, api);
      if (errcode === 0) {
        this.list.push({
          id: this.list.length + 1,
          kind,
          handover: handover.userid,
          takeover: takeover.userid,
          externalUserId: ext,
          startedAt: now,
          takeoverAt: now + TRANSFER_WAIT_MS,
          status: 2,
          ...(input.transfer_success_msg ? { successMsg: input.transfer_success_msg } : {}),
        });
      }
      return { external_userid: ext, errcode };
    });
  }

  private check(kind: TransferKind, handover: string, takeover: string, ext: string, now: number, api: string): number {
    if (handover === takeover) return ERR.TRANSFER_SAME_USER;
    if (!this.w.customers.get(ext)) return ERR.INVALID_EXTERNAL_USERID;
    if (!this.w.customers.relation(handover, ext)) return ERR.HANDOVER_NOT_FOLLOWER;
    if (this.list.some((t) => t.externalUserId === ext && t.status === 2)) return ERR.TRANSFER_IN_PROGRESS;
    if (kind === "onjob") {
      // "≤ 2 transfers per customer per 90 days": every on-job transfer that started counts.
      const recent = this.list.filter((t) => t.kind === "onjob" && t.externalUserId === ext && now - t.startedAt < TRANSFER_WINDOW_MS);
      if (recent.length >= MAX_TRANSFERS_PER_WINDOW) {
        this.w.violations.record(api, ERR.TRANSFER_TOO_FREQUENT, "transfer.2-per-90-days", {
          message: `${ext} was already transferred ${recent.length} times in 90 days`,
          externalUserId: ext,
          previous: recent.map((t) => new Date(t.startedAt).toISOString()),
        });
        return ERR.TRANSFER_TOO_FREQUENT;
      }
    }
    return 0;
  }

  results(kind: TransferKind, handover: string | undefined, takeover: string | undefined): Transfer[] {
    return this.list.filter(
      (t) => t.kind === kind && (handover === undefined || t.handover === handover) && (takeover === undefined || t.takeover === takeover),
    );
  }

  /** The customer refuses in WeChat (only while waiting). */
  refuse(externalUserId: string): { transfer: Transfer; delivery: Promise<CallbackRecord> } {
    const t = this.list.find((x) => x.externalUserId === externalUserId && x.status === 2);
    if (!t) throw new SimError(409, `no waiting transfer for ${externalUserId} (it may have completed after 24 h)`);
    t.status = 3;
    t.takeoverAt = this.w.clock.nowMs();
    const delivery = this.w.emitContact("transfer_fail", t.takeover, externalUserId, [["FailReason", "customer_refused"]]);
    return { transfer: t, delivery };
  }

  /** Complete every waiting transfer whose 24 h have passed. Called on every request. */
  settle(): Promise<CallbackRecord>[] {
    const now = this.w.clock.nowMs();
    const out: Promise<CallbackRecord>[] = [];
    for (const t of this.list) {
      if (t.status !== 2 || now < t.takeoverAt) continue;
      const old = this.w.customers.relation(t.handover, t.externalUserId);
      if (!old) {
        // the relation ended meanwhile (someone deleted someone): nothing left to move
        t.status = 3;
        continue;
      }
      if (this.w.customers.customersOf(t.takeover).length >= this.w.config.customerCap) {
        t.status = 4;
        out.push(this.w.emitContact("transfer_fail", t.takeover, t.externalUserId, [["FailReason", "customer_limit_exceed"]]));
        continue;
      }
      t.status = 1;
      this.w.customers.end(t.handover, t.externalUserId, "transferred");
      if (t.kind === "onjob") {
        out.push(this.w.emitContact("del_external_contact", t.handover, t.externalUserId, [["Source", "DELETE_BY_TRANSFER"]]));
      }
      if (!this.w.customers.relation(t.takeover, t.externalUserId)) {
        this.w.customers.follow(t.takeover, t.externalUserId, {
          state: old.state,
          addWay: 202,
          operUserid: t.takeover,
          tagIds: old.tagIds,
          remark: old.remark,
        });
        this.w.activity.record({ at: now, kind: "contact_added", userid: t.takeover, externalUserId: t.externalUserId });
        // After a transfer the taker gets add_external_contact unless already a friend (§3, D/96325).
        out.push(this.w.emitContact("add_external_contact", t.takeover, t.externalUserId, []));
      }
    }
    return out;
  }

  /** get_unassigned_list: customers of resigned members not yet (being) transferred. */
  unassigned(): { handover_userid: string; external_userid: string; dimission_time: number }[] {
    const out: { handover_userid: string; external_userid: string; dimission_time: number }[] = [];
    for (const s of this.w.staff.all()) {
      if (s.status !== "resigned") continue;
      for (const r of this.w.customers.customersOf(s.userid)) {
        if (this.list.some((t) => t.externalUserId === r.externalUserId && t.handover === s.userid && t.status === 2)) continue;
        out.push({ handover_userid: s.userid, external_userid: r.externalUserId, dimission_time: Math.floor((s.resignedAt ?? 0) / 1000) });
      }
    }
    return out;
  }
}
