/**
 * Everything that happened in the world, as plain facts with a time. The statistics endpoints
 * (get_user_behavior_data, groupchat/statistic) are computed from this log, so they always agree
 * with the callbacks the world sent.
 */
export type ActivityKind =
  | "contact_added"
  | "contact_lost"
  | "contact_removed"
  | "message_sent"
  | "group_created"
  | "group_dismissed"
  | "member_joined"
  | "member_left"
  | "group_message";

export interface Activity {
  at: number;
  kind: ActivityKind;
  userid?: string;
  externalUserId?: string;
  chatId?: string;
  /** Group owner at the time (group activity). */
  owner?: string;
  /** Members involved (group_created: initial member count). */
  count?: number;
}

export class ActivityLog {
  readonly entries: Activity[] = [];

  record(activity: Activity): void {
    this.entries.push(activity);
  }

  /** Entries with `start <= at < end`. */
  between(start: number, end: number): Activity[] {
    return this.entries.filter((a) => a.at >= start && a.at < end);
  }

  before(end: number): Activity[] {
    return this.entries.filter((a) => a.at < end);
  }
}
