import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/** Corp tags (企业标签), wecom-reference §6. */
export interface CorpTag {
  id: string;
  name: string;
  createTime: number;
  order: number;
  groupId: string;
}

export interface TagGroup {
  groupId: string;
  groupName: string;
  createTime: number;
  order: number;
  /** Tags made in the admin console (seed data, `/_sim/console-tag`) vs. through the API. */
  createdBy: "api" | "console";
  tags: CorpTag[];
}

const MAX_CORP_TAGS = 3000;
const MAX_TAG_NAME_CHARS = 30;

export class CorpTags {
  private readonly groups = new Map<string, TagGroup>();
  constructor(private readonly w: SimWorld) {}

  count(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.tags.length;
    return n;
  }

  allGroups(): TagGroup[] {
    return [...this.groups.values()].sort((a, b) => b.order - a.order || a.createTime - b.createTime);
  }

  group(groupId: string): TagGroup | undefined {
    return this.groups.get(groupId);
  }

  tag(tagId: string): CorpTag | undefined {
    for (const g of this.groups.values()) {
      const t = g.tags.find((x) => x.id === tagId);
      if (t) return t;
    }
    return undefined;
  }

  groupByName(name: string): TagGroup | undefined {
    return [...this.groups.values()].find((g) => g.groupName === name);
  }

  /**
   * add_corp_tag: into `groupId`, or into the group named `groupName` (created when missing).
   * Names already in the group are not created twice. Returns the group with the tags of this call.
   */
  add(
    input: { groupId?: string; groupName?: string; order?: number; tags: { name: string; order?: number }[] },
    createdBy: TagGroup["createdBy"] = "api",
  ): { group: TagGroup; tags: CorpTag[] } {
    if (input.tags.length === 0) throw new WecomError(ERR.INVALID_PARAMETER, "tag list is empty (no empty groups)");
    for (const t of input.tags) {
      if (t.name.length === 0 || [...t.name].length > MAX_TAG_NAME_CHARS) {
        throw new WecomError(ERR.INVALID_TAG_NAME_LENGTH, `tag name must be 1-${MAX_TAG_NAME_CHARS} chars: ${t.name}`);
      }
    }
    const now = this.w.clock.nowSec();
    let group: TagGroup | undefined;
    if (input.groupId) {
      group = this.groups.get(input.groupId);
      if (!group) throw new WecomError(ERR.INVALID_TAG_ID, `tag group ${input.groupId} not found`);
    } else {
      const name = input.groupName ?? "";
      if (name.length === 0 || [...name].length > MAX_TAG_NAME_CHARS) {
        throw new WecomError(ERR.INVALID_TAG_NAME_LENGTH, `group_name must be 1-${MAX_TAG_NAME_CHARS} chars`);
      }
      group = this.groupByName(name);
    }
    const fresh = new Map<string, { name: string; order?: number }>();
    for (const t of input.tags) if (!fresh.has(t.name) && !group?.tags.some((x) => x.name === t.name)) fresh.set(t.name, t);
    if (this.count() + fresh.size > MAX_CORP_TAGS) {
      throw limitError(ERR.CORP_TAG_CAP, "tags.corp-max-3000", `the corp would have ${this.count() + fresh.size} corp tags (max ${MAX_CORP_TAGS})`, {
        existing: this.count(),
        adding: fresh.size,
      });
    }
    if (!group) {
      group = {
        groupId: this.w.ids.tagId(),
        groupName: input.groupName ?? "",
        createTime: now,
        order: input.order ?? 0,
        createdBy,
        tags: [],
      };
      this.groups.set(group.groupId, group);
    }
    const made: CorpTag[] = [];
    for (const t of input.tags) {
      const existing = group.tags.find((x) => x.name === t.name);
      if (existing) {
        if (!made.includes(existing)) made.push(existing);
        continue;
      }
      const tag: CorpTag = { id: this.w.ids.tagId(), name: t.name, createTime: now, order: t.order ?? 0, groupId: group.groupId };
      group.tags.push(tag);
      made.push(tag);
    }
    return { group, tags: made };
  }

  /** edit_corp_tag: `id` is a tag id or a group id. */
  edit(id: string, patch: { name?: string; order?: number }): void {
    if (patch.name !== undefined && (patch.name.length === 0 || [...patch.name].length > MAX_TAG_NAME_CHARS)) {
      throw new WecomError(ERR.INVALID_TAG_NAME_LENGTH, `name must be 1-${MAX_TAG_NAME_CHARS} chars`);
    }
    const group = this.groups.get(id);
    if (group) {
      if (patch.name !== undefined) {
        const clash = this.groupByName(patch.name);
        if (clash && clash !== group) throw new WecomError(ERR.INVALID_TAG_NAME, `a tag group named ${patch.name} exists`);
        group.groupName = patch.name;
      }
      if (patch.order !== undefined) group.order = patch.order;
      return;
    }
    const tag = this.tag(id);
    if (!tag) throw new WecomError(ERR.INVALID_TAG_ID, `no tag or tag group ${id}`);
    if (patch.name !== undefined) {
      const siblings = this.groups.get(tag.groupId)?.tags ?? [];
      if (siblings.some((t) => t !== tag && t.name === patch.name)) {
        throw new WecomError(ERR.INVALID_TAG_NAME, `the group already has a tag named ${patch.name}`);
      }
      tag.name = patch.name;
    }
    if (patch.order !== undefined) tag.order = patch.order;
  }

  /** del_corp_tag: deleting every tag of a group deletes the group. Returns the removed tag ids. */
  delete(tagIds: readonly string[], groupIds: readonly string[]): string[] {
    if (tagIds.length === 0 && groupIds.length === 0) throw new WecomError(ERR.EMPTY_PARAMETER, "tag_id and group_id are both empty");
    for (const id of tagIds) if (!this.tag(id)) throw new WecomError(ERR.INVALID_TAG_ID, `no tag ${id}`);
    for (const id of groupIds) if (!this.groups.has(id)) throw new WecomError(ERR.INVALID_TAG_ID, `no tag group ${id}`);
    const removed: string[] = [];
    for (const id of groupIds) {
      const g = this.groups.get(id);
      if (!g) continue;
      removed.push(...g.tags.map((t) => t.id));
      this.groups.delete(id);
    }
    for (const id of tagIds) {
      const tag = this.tag(id);
      if (!tag) continue;
      const g = this.groups.get(tag.groupId);
      if (!g) continue;
      g.tags = g.tags.filter((t) => t.id !== id);
      removed.push(id);
      if (g.tags.length === 0) this.groups.delete(g.groupId);
    }
    for (const id of removed) this.w.customers.dropTag(id);
    return removed;
  }
}
