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

export interface ChurnPoint {
  date: string;
  added: number;
  lost: number;
  removed: number;
  transferredIn: number;
  transferredOut: number;
  net: number;
  customersAtStart: number;
  customersAtEnd: number;
  churnRate: number | null;
}

export interface ChurnSeries {
  group: string;
  kind: string;
  id?: string;
  points: ChurnPoint[];
  totals: Omit<ChurnPoint, "date">;
}

export interface ChurnAnswer {
  from: string;
  to: string;
  groupBy: string;
  timeZone: string;
  series: ChurnSeries[];
  nextCursor?: string | null;
}
