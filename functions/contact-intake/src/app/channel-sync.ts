import { corpDay } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";
import { planChannelSync } from "../domain/channel-sync.ts";
import { addsOnDay, type ChannelRecord, updateChannel } from "../store/channels.ts";

interface SyncRequest {
  channelId: string;
  reason: string;
  /** round-robin / weighted: the member who just got an add, and that add's key (advances the rotation once). */
  addedUserId?: string | undefined;
  addKey?: string | undefined;
}

interface SyncOutcome {
  channelId: string;
  changed: boolean;
  users: string[];
  /** Why no one is on the list (all capped, inactive or off schedule without backups). */
  noEligibleStaff: boolean;
}

/**
 * Bring a channel's contact way in line with who may take adds now. Runs serialized per channel
 * (the FIFO sync queue groups by channel), calls update_contact_way only when the user list changes,
 * and re-arms the channel's next time boundary (schedule edge or corp midnight).
 */
export async function syncChannel(
  deps: { table: string; timeZone: string; wecom: () => Promise<WecomClient>; now: () => Date; log: Logger },
  req: SyncRequest,
): Promise<SyncOutcome | undefined> {
  const { table, timeZone, log } = deps;
  // one instant for the whole sync: eligibility, the rotation and the next boundary agree
  const now = deps.now();
  let outcome: SyncOutcome | undefined;
  await updateChannel(table, req.channelId, async (c: ChannelRecord) => {
    if (c.status !== "active") {
      outcome = { channelId: c.channelId, changed: false, users: c.codeUsers, noEligibleStaff: false };
      return undefined;
    }
    const addsToday = await addsOnDay(table, c.channelId, corpDay(now, timeZone));
    const plan = planChannelSync(c, addsToday, req, { now, timeZone });
    if (plan.update) {
      const def = c.definition;
      const wecom = await deps.wecom();
      await wecom.updateContactWay({ config_id: c.configId, user: plan.users, skip_verify: def.skipVerify, remark: def.name.slice(0, 30), state: c.channelId });
      log.info("contact way updated", { channelId: c.channelId, reason: req.reason, from: c.codeUsers, to: plan.users });
    }
    if (plan.noEligibleStaff) log.warn("no eligible staff for channel; contact way left unchanged", { channelId: c.channelId, capped: plan.capped });
    outcome = { channelId: c.channelId, changed: plan.update, users: plan.users, noEligibleStaff: plan.noEligibleStaff };
    return { ...c, codeUsers: plan.users, rotation: plan.rotation, rotationAdds: plan.rotationAdds, nextBoundaryAt: plan.nextBoundaryAt, updatedAt: now.toISOString() };
  });
  return outcome;
}
