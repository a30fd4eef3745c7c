/**
 * `pnpm bench moments` (or `pnpm exec tsx test/bench/moments.bench.ts`): issue 13's acceptance at
 * scale — BENCH_POSTS moment posts (default 100) for BENCH_STAFF members (200), every one scheduled for
 * the same minute, through moments-publisher's own use cases in-process on the local platform
 * (DynamoDB Local, the strict WeCom simulator in this process, pollers off) and on the simulator's
 * clock. Each post is visible to 2 members of its own (disjoint senders: no member has more than one
 * post that day and no customer could see two), so planning must refuse none.
 *
 * The posts are created with `createPost`, then the clock moves minute by minute from the scheduled
 * minute and each minute plays the per-minute job and the runs queue in one (`playMinute`: the runs due
 * before the next tick, each advanced at its own instant — the job delays each message to it — those
 * at the same instant concurrently, as the consumers would): submits under the corp-wide limiter and
 * the jobid polls, until every run is `created`. Reported: WeCom calls by API and per post; simulator
 * minutes until the last task is created (WeCom takes ≤ 10 tasks a minute, so the theoretical
 * minimum is shown beside it) and Siyu's wall-clock ms per tick; DynamoDB requests per post by
 * operation, for creating and for publishing; the simulator's violations; the most add_moment_task
 * calls in any sliding 60 s.
 *
 * Hard goals fail the bench (non-zero exit): every post created without a refusal, every run
 * `created`, exactly one add_moment_task per post, no violation, ≤ 10 add_moment_task in any 60 s.
 */
import { pathToFileURL, fileURLToPath } from "node:url";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { startLocalPlatform } from "@siyu/local";
import { setDocumentClient } from "@siyu/store";
import { createPost } from "../../functions/moments-publisher/src/app/posts.ts";
import { TASKS_PER_MINUTE } from "../../functions/moments-publisher/src/domain/limiter.ts";
import { momentDeps, playMinute } from "../../functions/moments-publisher/test/support/deps.ts";
import { installCallCounter, listenForCalls } from "./dynamodb-counter.ts";
import { percentile, printTable } from "./stats.ts";

const POSTS = Number(process.env.BENCH_POSTS ?? 100);
const STAFF = Number(process.env.BENCH_STAFF ?? 200);
/** Ticks after the scheduled minute before the bench gives up. */
const MAX_TICKS = Number(process.env.BENCH_MAX_TICKS ?? 60);
const SERVICE = "moments-publisher";
const ADD_API = "externalcontact/add_moment_task";
const POLL_API = "externalcontact/get_moment_task_result";
const MINUTE = 60_000;

/** The most calls at instants `ms` inside any window of `windowMs` (a call at t counts calls in [t, t + windowMs)). */
function mostInWindow(ms: readonly number[], windowMs: number): { most: number; from: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  let best = { most: 0, from: Number.NaN };
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! - sorted[i]! < windowMs) j++;
    if (j - i > best.most) best = { most: j - i, from: sorted[i]! };
  }
  return best;
}

export async function run(): Promise<void> {
  process.env.SIYU_DYNAMODB_JVM_FLAGS ??= "-XX:+UseSerialGC -Xss512k";
  const platform = await startLocalPlatform({
    repoRoot: fileURLToPath(new URL("../../", import.meta.url)),
    services: [SERVICE],
    port: 0,
    simulator: { port: 0, seed: "empty", strict: true },
    schedules: "manual",
    // the bench plays the per-minute job and the runs queue itself, on the simulator's clock
    pollers: false,
    logLevel: "warn",
    functionLogLevel: "warn",
  });
  // the use cases run in this thread: count their DynamoDB calls (the bench's own reads use platform.dynamo)
  installCallCounter();
  const calls = listenForCalls();
  const totals = calls.totals;
  try {
    const world = platform.simulator!.world;
    const deps = momentDeps(platform);
    const table = deps.config.table;

    const staff = Array.from({ length: STAFF }, (_, i) => `mstaff${i}`);
    for (const userid of staff) world.staff.add({ userid, name: userid });
    // a few customers per member, so each task has someone to reach
    for (const [i, userid] of staff.entries()) {
      for (let k = 0; k < 3; k++) {
        const { externalUserId } = world.customers.add({ name: `客户${i}-${k}` });
        world.customers.follow(userid, externalUserId, { addWay: 1, operUserid: externalUserId });
      }
    }
    const senders = (i: number) => [staff[(2 * i) % STAFF]!, staff[(2 * i + 1) % STAFF]!];

    // the scheduled minute: the start of the minute after next (at least a minute ahead)
    const at = Math.ceil((world.clock.nowMs() + MINUTE) / MINUTE) * MINUTE;
    const create0 = performance.now();
    let refused = 0;
    for (let i = 0; i < POSTS; i++) {
      const out = await createPost(deps, {
        name: `压测朋友圈${i}`,
        content: { text: `新品上市 #${i}` },
        visibility: { userIds: senders(i) },
        schedule: { kind: "at", at: new Date(at).toISOString() },
      });
      const plan = "plan" in out.post ? out.post.plan : undefined;
      if (plan?.runs !== 1 || plan.refused.length > 0 || plan.moved.length > 0 || plan.firstAt !== new Date(at).toISOString()) refused++;
    }
    const createMs = performance.now() - create0;
    await calls.settle();
    const createCalls = new Map(totals.byLabel);
    totals.byLabel.clear();

    /** Every run's state, read with the platform's own client (not counted). */
    const runStates = async (): Promise<Map<string, number>> => {
      const states = new Map<string, number>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await platform.dynamo.send(
          new ScanCommand({ TableName: table, FilterExpression: "begins_with(sk, :r)", ExpressionAttributeValues: { ":r": "run#" }, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) states.set(String(item.state), (states.get(String(item.state)) ?? 0) + 1);
        start = page.LastEvaluatedKey;
      } while (start);
      return states;
    };

    // the per-minute job and the runs queue, in one: every due run advanced concurrently
    const addsSoFar = () => world.requests.entries.filter((r) => r.api === ADD_API).length;
    const tickRows: Record<string, unknown>[] = [];
    const tickMs: number[] = [];
    let doneAt: number | undefined;
    for (let k = 0; k <= MAX_TICKS && doneAt === undefined; k++) {
      world.clock.advance(Math.max(0, at + k * MINUTE - world.clock.nowMs()));
      const adds0 = addsSoFar();
      const t = performance.now();
      // the job looks a minute ahead and delays each run to its instant: played here on the clock
      const dueCount = await playMinute(platform, deps);
      const ms = performance.now() - t;
      tickMs.push(ms);
      const states = await runStates();
      const created = states.get("created") ?? 0;
      tickRows.push({ minute: k, "due runs": dueCount, add_moment_task: addsSoFar() - adds0, "created so far": created, "Siyu wall ms": ms, states: [...states].map(([s, n]) => `${s} ${n}`).join(", ") });
      if (created === POSTS) doneAt = k;
    }
    await calls.settle();
    const publishCalls = new Map(totals.byLabel);

    // ── what WeCom saw ──
    const requests = world.requests.entries;
    const byApi = new Map<string, { calls: number; errors: number }>();
    for (const r of requests) {
      const a = byApi.get(r.api) ?? { calls: 0, errors: 0 };
      a.calls++;
      if (r.errcode !== 0 && r.errcode !== null) a.errors++;
      byApi.set(r.api, a);
    }
    const adds = requests.filter((r) => r.api === ADD_API);
    const polls = requests.filter((r) => r.api === POLL_API).length;
    const addMs = adds.map((r) => Date.parse(r.at));
    const window = mostInWindow(addMs, MINUTE);
    const violations = world.violations.entries;
    const lastAddMin = addMs.length ? (Math.max(...addMs) - at) / MINUTE : Number.NaN;
    // WeCom takes 10 a sliding minute: the n-th batch of 10 goes at minute n-1, its poll a tick later
    const minBatches = Math.ceil(POSTS / TASKS_PER_MINUTE);

    printTable(`create: ${POSTS} posts for ${STAFF} members, all at ${new Date(at).toISOString()}`, [
      { posts: POSTS, "refused or moved": refused, "wall ms": createMs, "ms/post": createMs / POSTS },
    ]);
    printTable("publish: one tick per simulator minute (dueRuns → advanceRun for every due run)", tickRows);
    printTable(
      "1. WeCom calls by API",
      [...byApi].sort((a, b) => b[1].calls - a[1].calls).map(([api, a]) => ({ api, calls: a.calls, "errors (errcode ≠ 0)": a.errors, "per post": a.calls / POSTS })),
    );
    console.log(`per post: ${adds.length / POSTS} add_moment_task, ${polls / POSTS} get_moment_task_result polls`);
    printTable("2. time to publish, on the simulator's clock, and Siyu's time per tick", [
      {
        "minutes until every run created": doneAt ?? `> ${MAX_TICKS}`,
        "theoretical minimum": `${minBatches} (batches of ${TASKS_PER_MINUTE} at minutes 0–${minBatches - 1}, the last polled at ${minBatches})`,
        "last add_moment_task at minute": lastAddMin,
        "its minimum": minBatches - 1,
        ticks: tickMs.length,
        "tick wall p50 ms": percentile(tickMs, 50),
        "tick wall max ms": percentile(tickMs, 100),
        "max tick ÷ minute %": (100 * percentile(tickMs, 100)) / MINUTE,
      },
    ]);
    const labels = [...new Set([...createCalls.keys(), ...publishCalls.keys()])];
    printTable(
      "3. DynamoDB requests per post by operation and item kind",
      labels
        .map((call) => ({ call, "create / post": (createCalls.get(call) ?? 0) / POSTS, "publish / post": (publishCalls.get(call) ?? 0) / POSTS }))
        .sort((a, b) => b["create / post"] + b["publish / post"] - (a["create / post"] + a["publish / post"])),
    );
    const sum = (m: Map<string, number>) => [...m.values()].reduce((n, x) => n + x, 0);
    console.log(`DynamoDB requests per post: create ${(sum(createCalls) / POSTS).toFixed(2)}, publish ${(sum(publishCalls) / POSTS).toFixed(2)}`);
    printTable(
      "4. WeCom rule violations recorded by the strict simulator",
      violations.length ? violations.slice(0, 10).map((v) => ({ at: v.at, api: v.api, errcode: v.errcode, rule: v.rule, detail: v.detail })) : [{ violations: 0 }],
    );
    printTable("5. add_moment_task in any sliding 60 s", [
      { "most in 60 s": window.most, limit: TASKS_PER_MINUTE, "window from": Number.isNaN(window.from) ? "-" : new Date(window.from).toISOString() },
    ]);

    const failures = [
      ...(refused ? [`${refused} posts refused, moved or not planned for the minute`] : []),
      ...(doneAt === undefined ? [`runs not all created after ${MAX_TICKS} minutes`] : []),
      ...(adds.length !== POSTS ? [`${adds.length} add_moment_task calls for ${POSTS} posts`] : []),
      ...(violations.length ? [`${violations.length} WeCom rule violations`] : []),
      ...(window.most > TASKS_PER_MINUTE ? [`${window.most} add_moment_task in one sliding minute`] : []),
    ];
    console.log(`\nGoals: ${POSTS} created, ${POSTS} add_moment_task, 0 violations, ≤ ${TASKS_PER_MINUTE} add_moment_task in any sliding 60 s; Siyu's tick small against the minute.`);
    if (failures.length) throw new Error(`moments bench: hard goals failed: ${failures.join("; ")}`);
    console.log("hard goals met");
  } finally {
    calls.close();
    setDocumentClient(undefined);
    await platform.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
  process.exit(0);
}
