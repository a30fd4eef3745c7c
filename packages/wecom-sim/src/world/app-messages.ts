import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/** An application message (`/cgi-bin/message/send`) the app sent to members. */
interface AppMessage {
  msgid: string;
  at: string;
  agentid: string;
  msgtype: string;
  touser: string[];
  body: Record<string, unknown>;
}

/** Per member: ≤ 30 app messages a minute and ≤ 1000 an hour (wecom-reference §13). */
const APP_MSG_PER_MEMBER_MINUTE = 30;
const APP_MSG_PER_MEMBER_HOUR = 1000;

export class AppMessages {
  readonly sent: AppMessage[] = [];
  private readonly perMember = new Map<string, number[]>();
  constructor(private readonly w: SimWorld) {}

  send(body: {
    touser?: string | undefined;
    toparty?: string | undefined;
    totag?: string | undefined;
    msgtype?: string | undefined;
    agentid?: number | string | undefined;
  } & Record<string, unknown>): { invaliduser: string; msgid: string } {
    if (body.agentid === undefined) throw new WecomError(ERR.INVALID_AGENTID, "agentid is missing");
    if (this.w.config.agentId && String(body.agentid) !== this.w.config.agentId) {
      throw new WecomError(ERR.INVALID_AGENTID, `agentid ${body.agentid} is not this app`);
    }
    if (!body.msgtype) throw new WecomError(ERR.EMPTY_PARAMETER, "msgtype is empty");
    const requested = body.touser === "@all" ? this.w.staff.active().map((s) => s.userid) : (body.touser ?? "").split("|").filter(Boolean);
    if (body.toparty) {
      const parties = body.toparty.split("|").map(Number).filter(Number.isFinite);
      for (const s of this.w.staff.inDepartments(parties)) if (!requested.includes(s.userid)) requested.push(s.userid);
    }
    const valid = requested.filter((u) => this.w.staff.get(u)?.status === "active");
    const invalid = requested.filter((u) => !valid.includes(u));
    if (valid.length === 0) throw new WecomError(82001, "every member/department/tag is invalid");
    const now = this.w.clock.nowMs();
    for (const u of valid) {
      const times = (this.perMember.get(u) ?? []).filter((t) => now - t < 3_600_000);
      const lastMinute = times.filter((t) => now - t < 60_000).length;
      if (lastMinute >= APP_MSG_PER_MEMBER_MINUTE || times.length >= APP_MSG_PER_MEMBER_HOUR) {
        throw limitError(ERR.API_OVER_LIMIT, "app-message.per-member", `${u} received ${lastMinute} app messages in a minute / ${times.length} in an hour`, {
          userid: u,
        });
      }
    }
    for (const u of valid) this.perMember.set(u, [...(this.perMember.get(u) ?? []).filter((t) => now - t < 3_600_000), now]);
    const { touser: _t, toparty: _p, totag: _g, msgtype, agentid, ...content } = body;
    const message: AppMessage = {
      msgid: this.w.ids.chars(32),
      at: new Date(now).toISOString(),
      agentid: String(agentid),
      msgtype,
      touser: valid,
      body: content,
    };
    this.sent.push(message);
    return { invaliduser: invalid.join("|"), msgid: message.msgid };
  }
}
