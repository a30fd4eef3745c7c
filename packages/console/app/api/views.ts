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
  tagIds?: string[];
  welcome?: { text?: string; attachments?: unknown[] };
  createdAt: string;
  archivedAt?: string | null;
}

/** `GET /v1/channels/{id}`: the channel and today's adds per member against their daily cap. */
export interface ChannelDetail extends Channel {
  today: { day: string; members: { userId: string; added: number; cap: number; reachedCap: boolean }[] };
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

export type TransferCustomerStatus = "pending" | "waiting" | "done" | "refused" | "taker-at-cap" | "failed" | "excluded";

/** A row of `GET /v1/transfers`. */
export interface TransferRow {
  transferId: string;
  state: "planning" | "open" | "final";
  fromUserId: string;
  toUserId: string;
  resigned: boolean;
  createdAt: string;
  included: number;
  excluded: number;
}

export interface TransferExcluded {
  externalUserId: string;
  reason: string;
  eligibleAt?: string;
}

/** `GET /v1/transfers/{id}`: the transfer, its counts and one page of its customers. */
export interface TransferDetail extends Omit<TransferRow, "included" | "excluded"> {
  successMessage?: string;
  finalAt?: string;
  batches: number;
  counts: Record<TransferCustomerStatus, number>;
  total: number;
  customers: (TransferExcluded & { status: TransferCustomerStatus; errcode?: number; updatedAt: string })[];
  nextCursor: string | null;
}
