/**
 * The audience read model from contact-intake's events: relations (added, lost, removed,
 * transferred, tags changed) and groups (created, dismissed, owner changed). Each write is ordered
 * by the event's own instant, so a redelivery or an out-of-order event changes nothing it should not.
 */
import type { DomainEvent } from "@siyu/kernel";
import { AUDIENCE_EVENTS } from "../domain/audience-types.ts";
import { groupSeen, relationAdded, relationEnded, relationTags } from "../store/audience.ts";
import type { Deps } from "./deps.ts";

export { AUDIENCE_EVENTS };

type AudienceEventType = (typeof AUDIENCE_EVENTS)[number];
/** One of the events, discriminated by `type`. */
export type AudienceEvent = { [K in AudienceEventType]: DomainEvent<K> }[AudienceEventType];

export async function applyAudienceEvent(deps: Deps, e: AudienceEvent): Promise<void> {
  const { table } = deps.config;
  switch (e.type) {
    case "contact.added":
      await relationAdded(table, { externalUserId: e.data.externalUserId, userId: e.data.userId, channelId: e.data.channelId, addedAt: e.data.addedAt });
      return;
    case "contact.lost":
      await relationEnded(table, { externalUserId: e.data.externalUserId, userId: e.data.userId, at: e.data.lostAt });
      return;
    case "contact.removed":
      await relationEnded(table, { externalUserId: e.data.externalUserId, userId: e.data.userId, at: e.data.removedAt });
      return;
    case "contact.transferred":
      await relationEnded(table, { externalUserId: e.data.externalUserId, userId: e.data.fromUserId, at: e.data.transferredAt });
      await relationAdded(table, { externalUserId: e.data.externalUserId, userId: e.data.toUserId, channelId: e.data.channelId, addedAt: e.data.transferredAt });
      return;
    case "contact.tags_changed":
      await relationTags(table, { externalUserId: e.data.externalUserId, userId: e.data.userId, tagIds: e.data.tagIds, changedAt: e.data.changedAt });
      return;
    case "group.created":
      await groupSeen(table, { chatId: e.data.chatId, at: e.data.createdAt, active: true, ...(e.data.ownerUserId ? { ownerUserId: e.data.ownerUserId } : {}) });
      return;
    case "group.dismissed":
      await groupSeen(table, { chatId: e.data.chatId, at: e.data.dismissedAt, active: false });
      return;
    case "group.member_changed": {
      if (e.data.change !== "change_owner") return;
      // the event does not say who the new owner is: ask WeCom
      const wecom = await deps.wecom();
      const chat = await wecom.getGroupChat(e.data.chatId);
      await groupSeen(table, { chatId: e.data.chatId, at: e.data.changedAt, active: true, ownerUserId: chat.group_chat.owner });
      return;
    }
  }
}
