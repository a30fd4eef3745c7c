/**
 * The answers' shapes. The OpenAPI document describes the success bodies as plain objects (the routes
 * declare their input schemas, not their views), so the console names the fields it reads here,
 * after the services' READMEs.
 */

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Channel {
  channelId: string;
  name: string;
  status: "active" | "archived";
  staff: { userId: string; dailyCap?: number; weight?: number }[];
  rotation?: string;
  configId: string;
  qrCode: string;
  currentStaff?: string[];
  createdAt: string;
  archivedAt?: string | null;
}

export type CustomerStatus = "active" | "lost" | "removed" | "transferred";

/** One follow relation (customer × staff member), a row of `GET /v1/customers`. */
export interface CustomerRow {
  externalUserId: string;
  name?: string;
  userId: string;
  status: CustomerStatus;
  channelId: string;
  state?: string;
  confirmed?: boolean;
  addedAt: string;
  statusAt: string;
  tagIds: string[];
  updatedAt: string;
}

export interface RelationTag {
  tagId: string;
  name: string | null;
  groupId?: string;
  groupName?: string;
}

export interface TimelineEntry {
  id: string;
  externalUserId: string;
  userId: string;
  kind: string;
  at: string;
  channelId?: string;
  detail?: Record<string, string | number | boolean>;
}

/** `GET /v1/customers/{externalUserId}`. */
export interface CustomerDetail {
  externalUserId: string;
  profile?: { name?: string; avatar?: string; corpName?: string; [k: string]: unknown };
  relations: (CustomerRow & { tags: RelationTag[] })[];
  timeline: TimelineEntry[];
  timelineNextCursor?: string | null;
}

export interface CorpTag {
  tagId: string;
  groupId: string;
  name: string;
  order: number;
  createTime: number;
}

export interface TagGroup {
  groupId: string;
  groupName: string;
  order: number;
  createTime: number;
  tags: CorpTag[];
}

export interface TagPage extends Page<TagGroup> {
  total: number;
  limit: number;
}

export interface TagSyncAnswer {
  added: number;
  removed: number;
  renamed: number;
  changed: number;
  groupsAdded: number;
  groupsRemoved: number;
  groupsRenamed: number;
  total: number;
}
