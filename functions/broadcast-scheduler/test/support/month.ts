/**
 * Helpers for the simulated-month test: use-case deps on the simulator's clock, a large corp seeded
 * straight into the simulator's world and into Siyu's read model (no callbacks), the corp's rule on
 * both sides, and one send-now campaign taken from create to its members' tasks.
 */
import type { Logger } from "@siyu/lambda-kit";
import { inProcess } from "../../../../test/support/in-process.ts";
import { documentClient, mapLimit } from "@siyu/store";
import { createCampaign } from "../../src/app/campaigns.ts";
import type { Deps } from "../../src/app/deps.ts";
import { sendChunk } from "../../src/app/send.ts";
import { startRun } from "../../src/app/run.ts";
import { receiveSettingsSchema } from "../../src/domain/quota.ts";
import { relationAdded } from "../../src/store/audience.ts";
import { getCampaign } from "../../src/store/campaigns.ts";
import { chunksOf } from "../../src/store/outbox.ts";
import { putReceiveSettings } from "../../src/store/settings.ts";
import type { usePlatform } from "../../../../test/support/platform.ts";

type LocalPlatform = Awaited<ReturnType<typeof usePlatform>>;

type World = NonNullable<LocalPlatform["simulator"]>["world"];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** A logger that drops info and keeps warnings and errors (a run that warns is a finding). */
export function quietLog(): Logger & { warnings: { msg: string; fields?: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const keep = (msg: string, fields?: Record<string, unknown>) => void warnings.push(fields ? { msg, fields } : { msg });
  return { debug() {}, info() {}, warn: keep, error: keep, warnings };
}

/** The use cases' deps against the platform's table and queues, WeCom = the simulator, now = the simulator's clock. */
export function makeDeps(platform: LocalPlatform, log: Logger): Deps {
  const { config, wecom, now } = inProcess(platform, "broadcast-scheduler", { dlqUrl: () => undefined });
  return { config, wecom: async () => wecom, now, log };
}

/**
 * `customers` customers over `staff` members (customer i follows member i mod staff), one in ten also
 * following the next member, added later (a duplicate: one task only, from the later one), all added
 * before `before`; the same relations in Siyu's read model, as contact-intake's events leave them.
 */
export async function seedCorp(
  world: World,
  table: string,
  o: { staff: number; customers: number; staffId: (n: number) => string; before: Date },
): Promise<{ relations: number; duplicates: number }> {
  for (let n = 0; n < o.staff; n++) world.staff.add({ userid: o.staffId(n), name: `员工${n}` });
  const relations: { externalUserId: string; userId: string; addedAt: number }[] = [];
  const base = o.before.getTime() - 60 * DAY_MS;
  for (let i = 0; i < o.customers; i++) {
    const { externalUserId } = world.customers.add({ name: `客户${i}` });
    relations.push({ externalUserId, userId: o.staffId(i % o.staff), addedAt: base + i * 60_000 });
    if (Math.floor(i / o.staff) % 10 === 0) relations.push({ externalUserId, userId: o.staffId((i + 1) % o.staff), addedAt: base + 30 * DAY_MS + i * 60_000 });
  }
  for (const r of relations) world.customers.follow(r.userId, r.externalUserId, { state: "seed", addWay: 1, operUserid: r.externalUserId, createdAt: r.addedAt });
  await mapLimit(relations, 32, (r) =>
    relationAdded(table, { externalUserId: r.externalUserId, userId: r.userId, channelId: "ch_seed", addedAt: new Date(r.addedAt).toISOString(), tagIds: [] }),
  );
  return { relations: relations.length, duplicates: relations.length - o.customers };
}

/** The corp admin's 群发规则 `week` (7 per ISO week), in WeCom and in Siyu's settings. */
export async function setWeekRule(world: World, table: string, now: Date): Promise<void> {
  world.config.receiveFrequency = "week";
  await putReceiveSettings(table, receiveSettingsSchema.parse({ customers: { wecom: "week" }, groups: { wecom: "week" } }), now);
}

/**
 * A send-now campaign to every customer (or to those of `staff`), taken as the runs and sends consumers
 * would take it: create, start the queued run, send each chunk. Returns the members' tasks.
 */
export async function startCampaign(deps: Deps, c: { name: string; text: string; deadline: Date; staff?: string[] }) {
  const { table } = deps.config;
  const { campaign } = await createCampaign(deps, {
    name: c.name,
    audience: { chatType: "single", ...(c.staff ? { staff: c.staff } : {}) },
    content: { text: c.text },
    schedule: { kind: "now" },
    deadline: c.deadline.toISOString(),
  });
  const stored = (await getCampaign(table, campaign.campaignId))!;
  const started = await startRun(deps, { campaignId: stored.campaignId, runKey: stored.nextRunKey!, at: stored.nextRunAt! });
  if (started.outcome !== "started" && started.outcome !== "nothing-to-send") throw new Error(`run ${stored.nextRunKey} did not start: ${started.outcome}`);
  const runKey = started.runKey;
  const outcomes = await mapLimit(await chunksOf(table, runKey, { withIds: false }), 8, (ch) => sendChunk(deps, runKey, ch.chunkId));
  // a refused call ("failed") is WeCom's answer, counted in the funnel; anything else is a lost answer, which the simulator never makes here
  const odd = outcomes.filter((o) => o !== "sent" && o !== "failed");
  if (odd.length) throw new Error(`run ${runKey}: ${odd.length} chunks neither sent nor refused (${[...new Set(odd)].join(", ")})`);
  const chunks = await chunksOf(table, runKey, { withIds: false });
  return { campaignId: stored.campaignId, runKey, msgs: chunks.flatMap((ch) => (ch.msgid ? [{ msgid: ch.msgid, sender: ch.sender }] : [])) };
}

/** The ISO week (Monday 00:00 Asia/Shanghai, UTC+8 without DST) an epoch-ms instant falls in, as a number. */
export function weekOf(ms: number): number {
  // 1970-01-05 was a Monday
  return Math.floor((ms + 8 * HOUR_MS - 4 * DAY_MS) / (7 * DAY_MS));
}

/** Probe (SIYU_MONTH_TRACE): wall time and calls per DynamoDB command and per WeCom method, summed. */
export function probe(deps: Deps): { report(): string } {
  const calls = new Map<string, { n: number; ms: number }>();
  const add = (k: string, ms: number) => {
    const c = calls.get(k) ?? { n: 0, ms: 0 };
    c.n++;
    c.ms += ms;
    calls.set(k, c);
  };
  const doc = documentClient();
  const send = doc.send.bind(doc);
  (doc as { send: unknown }).send = async (cmd: { constructor: { name: string } }, ...rest: unknown[]) => {
    const t = performance.now();
    try {
      return await (send as (...a: unknown[]) => Promise<unknown>)(cmd, ...rest);
    } finally {
      add(`ddb ${cmd.constructor.name}`, performance.now() - t);
    }
  };
  const wecom = deps.wecom;
  let wrapped: unknown;
  deps.wecom = async () => {
    const w = await wecom();
    wrapped ??= new Proxy(w, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== "function") return v;
        return async (...args: unknown[]) => {
          const t = performance.now();
          try {
            return await v.apply(target, args);
          } finally {
            add(`wecom ${String(prop)}`, performance.now() - t);
          }
        };
      },
    });
    return wrapped as typeof w;
  };
  return {
    report() {
      const out = [...calls.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, c]) => `${k} ${c.n}× ${Math.round(c.ms)} ms`);
      calls.clear();
      return out.join("; ");
    },
  };
}
