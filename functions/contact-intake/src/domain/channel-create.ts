/**
 * What creating a channel needs decided before any call: who the new contact way carries, the
 * rotation it starts from, when its first time boundary falls, and the remark WeCom is sent.
 */
import type { ChannelDefinition } from "./channel.ts";
import { eligibleStaff, nextBoundary } from "./eligibility.ts";
import { NoEligibleStaff } from "./errors.ts";
import { WECOM } from "./limits.ts";
import { codeUsers, initialRotationState, type RotationState } from "./rotation.ts";

export interface ChannelCreatePlan {
  /** The users the contact way is created with (never empty). */
  codeUsers: string[];
  rotation: RotationState;
  nextBoundaryAt: string;
  /** The channel's name, cut to what add_contact_way's `remark` holds. */
  remark: string;
}

/** The plan for a new channel at `now`; `NoEligibleStaff` when nobody could take an add (a contact way cannot have zero users). */
export function planChannelCreate(definition: ChannelDefinition, ctx: { now: Date; timeZone: string }): ChannelCreatePlan {
  // a new channel has no adds yet, so no one is capped
  const eligibility = eligibleStaff(definition, { now: ctx.now, timeZone: ctx.timeZone, addsToday: {} });
  const rotation = initialRotationState();
  const users = codeUsers(definition.rotation, eligibility, rotation);
  if (users.length === 0) throw new NoEligibleStaff();
  return {
    codeUsers: users,
    rotation,
    nextBoundaryAt: nextBoundary(definition, ctx.now, ctx.timeZone).toISOString(),
    remark: definition.name.slice(0, WECOM.contactWayRemarkMaxChars),
  };
}
