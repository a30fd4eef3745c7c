/**
 * The shapes the broadcast domain's modules share: who a campaign is for (`AudienceFilter`, as the
 * operator states it) and what the planner knows of each possible recipient (`Candidate`).
 */

/** Tags as WeCom's `tag_filter` reads them: OR within a group, AND across groups; exclusions win. */
export interface TagExpression {
  /** Each inner list is one tag group: a customer matches it with any one of its tags. */
  allOf: string[][];
  /** A customer with any of these tags is left out (`excluded-tag`). */
  noneOf: string[];
}

export type AudienceFilter =
  | {
      chatType: "single";
      tags?: TagExpression;
      /** Only customers of these staff members. */
      staff?: string[];
      /** Only customers added through these channels. */
      channels?: string[];
      /** Corp-timezone days `YYYY-MM-DD`, both included. */
      addedFrom?: string;
      addedTo?: string;
      /** Explicit customers (external user ids); the other filters still apply. */
      externalUserIds?: string[];
    }
  | {
      chatType: "group";
      /** Groups of these owners. */
      owners?: string[];
      chatIds?: string[];
    };

/** One follow relation (customer × staff member) the planner may use, from Siyu's read model. */
export interface Candidate {
  externalUserId: string;
  userId: string;
  channelId: string;
  /** ISO instant the relation started. */
  addedAt: string;
  /** Corp tag ids on this relation. */
  tagIds: string[];
  /** Still a friend (an active relation): a lost or removed one is `not-a-follower`. */
  active: boolean;
  /** ISO instant of the last chat interaction with this member, when known (WeCom routes a customer's task to the member who last chatted). */
  lastInteractionAt?: string;
}

/** Why a possible recipient gets no task. */
export type ExclusionReason = "quota" | "not-a-follower" | "duplicate" | "quiet-hours" | "excluded-tag";

/** contact-intake's events the audience read model is built from (the `audience` queue subscribes to these). */
export const AUDIENCE_EVENTS = [
  "contact.added",
  "contact.lost",
  "contact.removed",
  "contact.transferred",
  "contact.tags_changed",
  "group.created",
  "group.dismissed",
  "group.member_changed",
] as const;
