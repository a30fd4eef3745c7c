import { corpDay } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import type { WecomClient } from "@siyu/wecom";
import { eligibleStaff, needsUpdate, nextBoundary } from "../domain/eligibility.ts";
import { codeUsers, recordAdd } from "../domain/rotation.ts";
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

const ROTATION_ADDS_KEPT = 50;

/**
 * Bring a channel's contact way in line with who may take adds now. Runs serialized per channel
 * (the FIFO sync queue groups by channel), calls update_contact_way only when the user list changes,
 * and re-arms the channel's next time boundary (schedule edge or corp midnight).
 */
export async function syncChannel(
  deps: { table: string; timezone: string; wecom: () => Promise<WecomClient>; now: Date; log: Logger },
  req: SyncRequest,
): Promise<SyncOutcome | undefined> {
  const { table, timezone, now, log } = deps;
  let outcome: SyncOutcome | undefined;
  await updateChannel(table, req.channelId, async (c: ChannelRecord) => {
    if (c.status !== "active") {
      outcome = { channelId: c.channelId, changed: false, users: c.codeUsers, noEligibleStaff: false };
      return undefined;
    }
    const def = c.definition;
    const addsToday = await addsOnDay(table, c.channelId, corpDay(now, timezone));
    let rotation = c.rotation;
    let rotationAdds = c.rotationAdds ?? [];
    if (req.addedUserId && req.addKey && !rotationAdds.includes(req.addKey)) {
      // charge the member who actually got the add, under the eligibility after it was counted
      rotation = recordAdd(def.rotation, eligibleStaff(def, { now, timezone, addsToday }), rotation, req.addedUserId);
      rotationAdds = [...rotationAdds, req.addKey].slice(-ROTATION_ADDS_KEPT);
    }
    const eligibility = eligibleStaff(def, { now, timezone, addsToday });
    const wanted = codeUsers(def.rotation, eligibility, rotation);
    const noEligibleStaff = wanted.length === 0;
    // WeCom cannot hold an empty user list: keep the current one and say so
    const users = noEligibleStaff ? c.codeUsers : wanted;
    const changed = needsUpdate(c.codeUsers, users);
    if (changed) {
      const wecom = await deps.wecom();
      await wecom.updateContactWay({ config_id: c.configId, user: users, skip_verify: def.skipVerify, remark: def.name.slice(0, 30), state: c.channelId });
      log.info("contact way updated", { channelId: c.channelId, reason: req.reason, from: c.codeUsers, to: users });
    }
    if (noEligibleStaff) log.warn("no eligible staff for channel; contact way left unchanged", { channelId: c.channelId, capped: eligibility.capped });
    outcome = { channelId: c.channelId, changed, users, noEligibleStaff };
    return {
      ...c,
      codeUsers: users,
      rotation,
      rotationAdds,
      nextBoundaryAt: nextBoundary(def, now, timezone).toISOString(),
      updatedAt: now.toISOString(),
    };
  });
  return outcome;
}
