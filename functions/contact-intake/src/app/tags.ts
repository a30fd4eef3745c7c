import { AppError, conflict } from "@siyu/kernel";
import type { Logger } from "@siyu/lambda-kit";
import { sleep } from "@siyu/store";
import { WecomApiError, type WecomClient } from "@siyu/wecom";
import { CORP_TAGS_MAX, type CorpTagGroup, diffTagLists, normalizeTagList, planTagCreate, planTagSync, type TagCreateRequest, type TagListDiff } from "../domain/tags.ts";
import { acquireTagLock, applyTagDiff, countCorpTags, deleteTags, findGroup, readTagCopy, replaceGroup, upsertTags } from "../store/tags.ts";

interface TagDeps {
  table: string;
  wecom: () => Promise<WecomClient>;
  now: () => Date;
  log: Logger;
}


/**
 * `POST /v1/tags`: check WeCom's limits against Siyu's copy (names ≤ 30 characters at the route,
 * ≤ 3000 corp tags here), call add_corp_tag only when WeCom would accept, and store what it created.
 * Creation is serialised by a short lease so two requests cannot both pass the 3000 check.
 */
export async function createTags(deps: TagDeps, req: TagCreateRequest): Promise<{ created: boolean; group: CorpTagGroup; tags: { tagId: string; name: string }[] }> {
  return withTagLock(deps, 15, async () => {
    const [total, group] = await Promise.all([
      countCorpTags(deps.table),
      findGroup(deps.table, req.groupId !== undefined ? { groupId: req.groupId } : { groupName: req.groupName! }),
    ]);
    const plan = planTagCreate(req, {
      total,
      ...(group ? { group: { groupId: group.groupId, groupName: group.groupName, tagNames: group.tags.map((t) => t.name) } } : {}),
    });
    // the requested tags, in request order, as the group now has them
    const requested = (g: CorpTagGroup) =>
      req.tags.flatMap((t) => {
        const found = g.tags.find((x) => x.name === t.name);
        return found ? [{ tagId: found.tagId, name: found.name }] : [];
      });
    if (plan.nothingNew && group) {
      // every name exists in the group already: WeCom would create nothing
      return { created: false, group, tags: requested(group) };
    }
    const wecom = await deps.wecom();
    let out: Awaited<ReturnType<WecomClient["addCorpTag"]>>;
    try {
      out = await wecom.addCorpTag({
        ...(req.groupId !== undefined ? { group_id: req.groupId } : { group_name: req.groupName! }),
        ...(req.groupOrder !== undefined ? { order: req.groupOrder } : {}),
        tag: req.tags.map((t) => (t.order !== undefined ? { name: t.name, order: t.order } : { name: t.name })),
      });
    } catch (error) {
      if (error instanceof WecomApiError && error.errcode === 40126) {
        // the copy was behind WeCom: catch up so the next check is right
        deps.log.warn("add_corp_tag hit the corp tag limit although the copy allowed it; reconciling", { total, adding: plan.newNames.length });
        await pullTagList(deps).catch((e: unknown) => deps.log.error("tag reconciliation failed", { error: e }));
        throw new AppError(422, "corp-tag-limit", "Corp tag limit reached", `WeCom allows at most ${CORP_TAGS_MAX} corp tags per corp and refused more (errcode 40126).`, {
          extensions: { limit: CORP_TAGS_MAX, errcode: 40126 },
        });
      }
      if (error instanceof WecomApiError) {
        throw new AppError(502, "wecom-rejected", "WeCom rejected the request", `WeCom answered ${error.errcode}: ${error.errmsg}`, {
          extensions: { errcode: error.errcode },
          retryable: false,
        });
      }
      throw error;
    }
    const [created] = normalizeTagList([out.tag_group]);
    if (!created) throw new Error("add_corp_tag returned no group");
    await upsertTags(deps.table, created, deps.now());
    const merged = await findGroup(deps.table, { groupId: created.groupId });
    return { created: true, group: merged ?? created, tags: requested(created) };
  });
}

/**
 * Run `fn` holding the corp-tags lease (waiting up to 3 s for it). Creations and full pulls hold it:
 * a pull that read WeCom's list just before an add_corp_tag would otherwise delete the new tags from
 * the copy when it applies its diff.
 */
async function withTagLock<T>(deps: TagDeps, leaseSeconds: number, fn: () => Promise<T>): Promise<T> {
  let release: (() => Promise<void>) | undefined;
  for (let attempt = 0; attempt < 20 && !release; attempt++) {
    release = await acquireTagLock(deps.table, deps.now(), leaseSeconds);
    if (!release) await sleep(150);
  }
  if (!release) throw conflict("another tag creation or tag sync is in progress; retry in a moment");
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Refresh the copy after a `change_external_tag` callback (see domain `planTagSync`): fetch the
 * changed tag or group by id, or pull the whole list for deletes and reorders.
 */
export async function syncTagChange(deps: TagDeps, change: { changeType: string; id?: string | undefined; tagType?: "tag" | "tag_group" | undefined }): Promise<void> {
  const plan = planTagSync(change);
  const wecom = await deps.wecom();
  const now = deps.now();
  switch (plan.kind) {
    case "tags": {
      const groups = normalizeTagList((await wecom.getCorpTagList({ tag_id: plan.tagIds })).tag_group);
      const found = new Set(groups.flatMap((g) => g.tags.map((t) => t.tagId)));
      for (const g of groups) await upsertTags(deps.table, g, now);
      const gone = plan.tagIds.filter((id) => !found.has(id));
      if (gone.length) await deleteTags(deps.table, gone);
      deps.log.info("corp tags refreshed", { tagIds: plan.tagIds, gone });
      return;
    }
    case "group": {
      const groups = normalizeTagList((await wecom.getCorpTagList({ group_id: [plan.groupId] })).tag_group);
      await replaceGroup(deps.table, plan.groupId, groups.find((g) => g.groupId === plan.groupId), now);
      deps.log.info("corp tag group refreshed", { groupId: plan.groupId });
      return;
    }
    case "full": {
      // a consumer must not wait for (or fail on) the lease a creation holds; the daily job re-pulls
      const r = await pullTagList(deps);
      deps.log.info("corp tag list refreshed", { changeType: change.changeType, ...r });
      return;
    }
  }
}

/**
 * Pull the whole corp tag list and make the copy equal to it, holding the tag lease (the daily
 * `tag-reconcile` job and `POST /v1/tags/sync`). Returns what changed; a second run finds nothing.
 */
export async function reconcileTags(deps: TagDeps): Promise<TagListDiff["counts"]> {
  return withTagLock(deps, 30, () => pullTagList(deps));
}

/** The pull itself, for callers that hold the lease already or must not wait for it. */
async function pullTagList(deps: TagDeps): Promise<TagListDiff["counts"]> {
  const wecom = await deps.wecom();
  const next = normalizeTagList((await wecom.getCorpTagList({})).tag_group);
  const current = await readTagCopy(deps.table);
  const diff = diffTagLists(current, next);
  await applyTagDiff(deps.table, diff, deps.now());
  return diff.counts;
}
