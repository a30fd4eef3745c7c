/**
 * What a contact-way sync does to one channel (the FIFO sync queue runs them one at a time per channel):
 * charge an add to the rotation once, work out who may take adds now, keep WeCom's user list unless it
 * changes (and never empty it: WeCom cannot hold an empty list), and re-arm the next time boundary.
 */
import type { ChannelDefinition } from "./channel.ts";
import { eligibleStaff, needsUpdate, nextBoundary } from "./eligibility.ts";
import { codeUsers, type RotationState, recordAdd } from "./rotation.ts";

/** Dedupe keys of adds already charged to the rotation, kept per channel (a redelivery cannot advance it twice). */
const ROTATION_ADDS_KEPT = 50;

export interface ChannelSyncPlan {
  /** The user list the contact way should carry. */
  users: string[];
  /** Call update_contact_way with `users`. */
  update: boolean;
  /** Nobody may take adds now: the list is left as it is (and an operator should know). */
  noEligibleStaff: boolean;
  capped: string[];
  rotation: RotationState;
  rotationAdds: string[];
  nextBoundaryAt: string;
}

export function planChannelSync(
  channel: { definition: ChannelDefinition; codeUsers: string[]; rotation: RotationState; rotationAdds?: string[] },
  addsToday: Record<string, number>,
  req: { addedUserId?: string | undefined; addKey?: string | undefined },
  ctx: { now: Date; timeZone: string },
): ChannelSyncPlan {
  const def = channel.definition;
  let rotation = channel.rotation;
  let rotationAdds = channel.rotationAdds ?? [];
  const eligibility = eligibleStaff(def, { now: ctx.now, timeZone: ctx.timeZone, addsToday });
  if (req.addedUserId && req.addKey && !rotationAdds.includes(req.addKey)) {
    // charge the member who actually got the add, under the eligibility after it was counted
    rotation = recordAdd(def.rotation, eligibility, rotation, req.addedUserId);
    rotationAdds = [...rotationAdds, req.addKey].slice(-ROTATION_ADDS_KEPT);
  }
  const wanted = codeUsers(def.rotation, eligibility, rotation);
  const noEligibleStaff = wanted.length === 0;
  const users = noEligibleStaff ? channel.codeUsers : wanted;
  return {
    users,
    update: needsUpdate(channel.codeUsers, users),
    noEligibleStaff,
    capped: eligibility.capped,
    rotation,
    rotationAdds,
    nextBoundaryAt: nextBoundary(def, ctx.now, ctx.timeZone).toISOString(),
  };
}
