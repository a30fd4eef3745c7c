import type { WecomClient } from "@siyu/wecom";
import type { CustomerProfile } from "../store/profiles.ts";

type FetchedProfile = { profile: Omit<CustomerProfile, "externalUserId" | "firstSeenAt" | "lastEventAt">; followTags: string[] | undefined };

/**
 * The customer's profile from externalcontact/get and the corp tags (type 1) WeCom has on the relation
 * with `userId` (undefined when not found). The follow user may be on a later page when the customer
 * follows more than 500 members. Throws what WeCom throws: the caller plans a retry of its own.
 */
export async function fetchProfile(deps: { wecom: () => Promise<WecomClient> }, externalUserId: string, userId: string): Promise<FetchedProfile> {
  const wecom = await deps.wecom();
  let out = await wecom.getExternalContact(externalUserId);
  let follow = out.follow_user.find((f) => f.userid === userId);
  for (let page = 0; !follow && out.next_cursor && page < 50; page++) {
    out = await wecom.getExternalContact(externalUserId, out.next_cursor);
    follow = out.follow_user.find((f) => f.userid === userId);
  }
  const c = out.external_contact as Record<string, unknown>;
  return {
    profile: {
      name: typeof c.name === "string" ? c.name : undefined,
      unionId: typeof c.unionid === "string" ? c.unionid : undefined,
      type: typeof c.type === "number" ? c.type : undefined,
      avatar: typeof c.avatar === "string" ? c.avatar : undefined,
      gender: typeof c.gender === "number" ? c.gender : undefined,
      corpName: typeof c.corp_name === "string" ? c.corp_name : undefined,
    },
    followTags: follow ? follow.tags.filter((t) => t.type === 1 && t.tag_id).map((t) => t.tag_id!) : undefined,
  };
}
