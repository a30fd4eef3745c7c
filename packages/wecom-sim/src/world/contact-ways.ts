import { ERR, limitError, SimError, WecomError } from "../errors.ts";
import { qrImageUrl } from "../qr.ts";
import { Table } from "./rows.ts";
import type { SimWorld } from "./world.ts";

/** A 「联系我」 contact way (channel QR code), wecom-reference §2. */
export interface ContactWay {
  configId: string;
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark: string;
  skipVerify: boolean;
  state: string;
  user: string[];
  party: number[];
  isTemp: boolean;
  expiresIn?: number;
  chatExpiresIn?: number;
  unionid?: string;
  conclusions?: unknown;
  qrCode?: string;
  createdAt: number;
  /** A temporary code stops working once a friend was added through it. */
  used: boolean;
}

interface ContactWayInput {
  type: 1 | 2;
  scene: 1 | 2;
  style?: number | undefined;
  remark?: string | undefined;
  skip_verify?: boolean | undefined;
  state?: string | undefined;
  user?: string[] | undefined;
  party?: number[] | undefined;
  is_temp?: boolean | undefined;
  expires_in?: number | undefined;
  chat_expires_in?: number | undefined;
  unionid?: string | undefined;
  conclusions?: unknown;
}

const MAX_CONTACT_WAY_USERS = 100;
export const MAX_STATE_CHARS = 30;
const MAX_REMARK_CHARS = 30;
/** Shared by contact ways and group join ways. */
export const API_CODE_QUOTA = 500_000;

export class ContactWays extends Table<ContactWay> {
  /** Ever created through the API: the 500,000 quota counts creations. */
  created = 0;
  constructor(private readonly w: SimWorld) {
    super("config_id", "contact way");
  }

  /** Members a scan can land on: the listed users plus the departments' members (active only). */
  members(way: ContactWay): string[] {
    const ids = new Set(way.user.filter((u) => this.w.staff.get(u)?.status === "active"));
    for (const s of this.w.staff.inDepartments(way.party)) ids.add(s.userid);
    return [...ids];
  }

  private validate(input: ContactWayInput): void {
    const state = input.state ?? "";
    if ([...state].length > MAX_STATE_CHARS) {
      throw limitError(ERR.INVALID_PARAMETER, "contact-way.state-30-chars", `state is ${[...state].length} chars (max ${MAX_STATE_CHARS})`, {
        state,
      });
    }
    if ([...(input.remark ?? "")].length > MAX_REMARK_CHARS) {
      throw limitError(ERR.INVALID_PARAMETER, "contact-way.remark-30-chars", `remark is longer than ${MAX_REMARK_CHARS} chars`);
    }
    const users = input.user ?? [];
    const party = input.party ?? [];
    if (input.type === 1 && (users.length !== 1 || party.length > 0)) {
      throw new WecomError(ERR.INVALID_PARAMETER, "type 1 (single member) needs exactly one user and no party");
    }
    if (users.length === 0 && party.length === 0) throw new WecomError(ERR.INVALID_PARAMETER, "user and party are both empty");
    for (const u of users) this.w.staff.require(u);
    const expanded = new Set(users);
    for (const s of this.w.staff.inDepartments(party)) expanded.add(s.userid);
    if (expanded.size > MAX_CONTACT_WAY_USERS) {
      throw limitError(
        ERR.CONTACT_WAY_TOO_MANY_USERS,
        "contact-way.max-100-users",
        `${expanded.size} members (after expanding departments); a contact way allows ${MAX_CONTACT_WAY_USERS}`,
        { members: expanded.size },
      );
    }
    if (input.is_temp && (input.type !== 1 || users.length !== 1)) {
      throw new WecomError(ERR.INVALID_PARAMETER, "a temporary contact way is single-member only");
    }
  }

  add(input: ContactWayInput): ContactWay {
    this.validate(input);
    if (!input.is_temp && this.created + this.w.groups.joinWaysCreated >= API_CODE_QUOTA) {
      throw limitError(ERR.CONTACT_WAY_QUOTA, "contact-way.quota-500000", "the corp reached 500,000 API-created contact ways and join ways");
    }
    const configId = this.w.ids.configId();
    const way: ContactWay = {
      configId,
      type: input.type,
      scene: input.scene,
      remark: input.remark ?? "",
      skipVerify: input.skip_verify ?? true,
      state: input.state ?? "",
      user: [...(input.user ?? [])],
      party: [...(input.party ?? [])],
      isTemp: input.is_temp ?? false,
      createdAt: this.w.clock.nowMs(),
      used: false,
      ...(input.style !== undefined ? { style: input.style } : {}),
      ...(input.is_temp ? { expiresIn: input.expires_in ?? 7 * 86_400, chatExpiresIn: input.chat_expires_in ?? 86_400 } : {}),
      ...(input.unionid ? { unionid: input.unionid } : {}),
      ...(input.conclusions !== undefined ? { conclusions: input.conclusions } : {}),
      ...(input.scene === 2 ? { qrCode: qrImageUrl(this.w.config.baseUrl, configId) } : {}),
    };
    if (!way.isTemp) this.created++;
    this.byId.set(configId, way);
    return way;
  }

  /** update_contact_way overwrites what it is given (user, party, remark, state, …). */
  update(configId: string | undefined, patch: Partial<ContactWayInput>): ContactWay {
    const way = this.require(configId);
    if (way.isTemp && this.expired(way)) throw new WecomError(ERR.INVALID_PARAMETER, "an expired temporary contact way cannot be edited");
    const next: ContactWayInput = {
      type: way.type,
      scene: way.scene,
      remark: patch.remark ?? way.remark,
      state: patch.state ?? way.state,
      user: patch.user ?? way.user,
      party: patch.party ?? way.party,
      is_temp: way.isTemp,
    };
    this.validate(next);
    way.remark = next.remark ?? "";
    way.state = next.state ?? "";
    way.user = [...(next.user ?? [])];
    way.party = [...(next.party ?? [])];
    if (patch.skip_verify !== undefined) way.skipVerify = patch.skip_verify;
    if (patch.style !== undefined) way.style = patch.style;
    if (patch.expires_in !== undefined) way.expiresIn = patch.expires_in;
    if (patch.chat_expires_in !== undefined) way.chatExpiresIn = patch.chat_expires_in;
    if (patch.unionid !== undefined) way.unionid = patch.unionid;
    if (patch.conclusions !== undefined) way.conclusions = patch.conclusions;
    return way;
  }

  delete(configId: string | undefined): void {
    const way = this.require(configId);
    this.byId.delete(way.configId);
  }

  expired(way: ContactWay): boolean {
    return way.isTemp && way.expiresIn !== undefined && this.w.clock.nowMs() >= way.createdAt + way.expiresIn * 1000;
  }

  /** For a scan: the code, or 404/409 when it can't be scanned. */
  scannable(configId: string): ContactWay {
    const way = this.byId.get(configId);
    if (!way) throw new SimError(404, `no contact way ${configId} (deleted or never created)`);
    if (way.isTemp && (way.used || this.expired(way))) throw new SimError(409, "this temporary contact way is no longer valid");
    return way;
  }
}
