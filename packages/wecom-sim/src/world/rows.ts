import { ERR, SimError, WecomError } from "../errors.ts";

/** The id fields a WeCom request names a row by. */
type IdField = "config_id" | "external_userid" | "userid" | "chat_id" | "msgid" | "moment_id";

/**
 * How WeCom answers a request about one id: one errcode when the request carries none, another when
 * nothing has it. Contact ways and group join ways share config_id's.
 */
const ID_ERRORS: Record<IdField, { missing: number; unknown: number; missingDetail?: string }> = {
  config_id: { missing: ERR.MISSING_CONFIG_ID, unknown: ERR.INVALID_CONFIG_ID },
  external_userid: { missing: ERR.MISSING_EXTERNAL_USERID, unknown: ERR.INVALID_EXTERNAL_USERID },
  userid: { missing: ERR.MISSING_USERID, unknown: ERR.USERID_NOT_FOUND },
  chat_id: { missing: ERR.EMPTY_PARAMETER, unknown: ERR.CHATID_NOT_FOUND, missingDetail: "chat_id is empty" },
  msgid: { missing: ERR.MISSING_MSGID, unknown: ERR.INVALID_MSGID },
  moment_id: { missing: ERR.MISSING_MOMENT_ID, unknown: ERR.INVALID_MOMENT_ID },
};

/** The row a WeCom request names by `field`, or WeCom's error for a missing or unknown id. */
export function requireRow<T>(rows: ReadonlyMap<string, T>, field: IdField, id: string | undefined): T {
  const errors = ID_ERRORS[field];
  if (!id) throw new WecomError(errors.missing, errors.missingDetail);
  const row = rows.get(id);
  if (!row) throw new WecomError(errors.unknown, `${field} ${id} not found`);
  return row;
}

/** The row a world-API caller (`/_sim/...`) names: 404 `no <what> <id>` instead of a WeCom errcode. */
export function requireSimRow<T>(rows: ReadonlyMap<string, T>, what: string, id: string): T {
  const row = rows.get(id);
  if (!row) throw new SimError(404, `no ${what} ${id}`);
  return row;
}

/** A member's task in a mass message or moment, for an action in the client: 404 without one, 409 once cancelled. */
export function memberTask<T extends { cancelled: boolean }>(tasks: ReadonlyMap<string, T>, userid: string, of: string, what = "task"): T {
  const task = tasks.get(userid);
  if (!task) throw new SimError(404, `${userid} has no task for ${of}`);
  if (task.cancelled) throw new SimError(409, `the ${what} was cancelled`);
  return task;
}

/**
 * A world table keyed by its WeCom id, looked up the same way everywhere: `get` (or undefined),
 * `require` (or WeCom's errcode), `requireForSim` (or the world API's 404), `all`.
 */
export class Table<T> {
  protected readonly byId = new Map<string, T>();
  constructor(
    private readonly field: IdField,
    private readonly what: string,
  ) {}

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  require(id: string | undefined): T {
    return requireRow(this.byId, this.field, id);
  }

  requireForSim(id: string): T {
    return requireSimRow(this.byId, this.what, id);
  }

  all(): T[] {
    return [...this.byId.values()];
  }
}
