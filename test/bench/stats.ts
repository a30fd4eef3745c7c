/** Small statistics for benchmarks: percentiles over one run's samples, a table printer, CPU clocks. */
import { sleep } from "@siyu/store";
import { readFileSync } from "node:fs";

/** CPU milliseconds another process has used so far (user + system), from /proc (Linux). */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
}

/** The whole machine's CPU time so far, in ms, from /proc/stat (Linux): busy (user … softirq), idle (+ iowait), steal (taken by the host). */
export function machineCpuMs(): { busy: number; idle: number; steal: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const ms = (ticks: number) => (ticks / 100) * 1000;
  return { busy: ms(user! + nice! + system! + irq! + softirq!), idle: ms(idle! + iowait!), steal: ms(steal ?? 0) };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summary(samples: readonly number[]) {
  return { n: samples.length, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

const fmt = (v: unknown) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v));

/** Print rows as an aligned table (also fine as Markdown). */
export function printTable(title: string, rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(cols));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c]))));
}


/** Start `count` tasks at a steady `perSecond` rate (not waiting for each), resolve when all finish. */
export async function atRate<T>(count: number, perSecond: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const started = Date.now();
  const running: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    running.push(task(i));
  }
  return Promise.all(running);
}

/** Run `count` tasks with at most `concurrency` in flight (a burst). */
export async function burst<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/**
 * Cap reaction from what WeCom saw: for each member, the add that brought them to `cap` (their cap-th
 * add, in the order WeCom made them) and the first contact-way update after its callback was acked
 * whose user list no longer holds them: "callback acknowledged → update_contact_way answered". The
 * overshoot is every add a member got past their cap (WeCom kept routing to them until the update).
 */
export function capReaction(
  scans: readonly { userId: string; scannedAt: number; ackedAt: number }[],
  updates: readonly { at: number; users: readonly string[] }[],
  cap: number,
  members: ReadonlySet<string>,
): { reactionsMs: number[]; capped: number; neverRemoved: number; overshoot: number } {
  const byMember = new Map<string, { userId: string; scannedAt: number; ackedAt: number }[]>();
  for (const s of scans) if (members.has(s.userId)) byMember.set(s.userId, [...(byMember.get(s.userId) ?? []), s]);
  const reactionsMs: number[] = [];
  let neverRemoved = 0;
  let overshoot = 0;
  let capped = 0;
  for (const [userId, adds] of byMember) {
    overshoot += Math.max(0, adds.length - cap);
    const capAdd = adds[cap - 1];
    if (!capAdd) continue;
    capped++;
    // the update may even beat the ack's response back to WeCom: that is a reaction of 0
    const removal = updates.find((u) => u.at >= capAdd.scannedAt && !u.users.includes(userId));
    if (removal) reactionsMs.push(Math.max(0, removal.at - capAdd.ackedAt));
    else neverRemoved++;
  }
  return { reactionsMs, capped, neverRemoved, overshoot };
}
