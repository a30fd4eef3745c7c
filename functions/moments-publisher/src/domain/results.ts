/**
 * A post's results, what operators asked for (seed 001: "朋友圈转化率数据"; wecom-services §B3): per
 * run and per staff member — published or not, customers reached (`get_moment_customer_list` of the
 * members who published), likes and comments (`get_moment_comments`), and **losses among the reached
 * customers** in the `LOSS_DAYS` after the run (from contact-intake's `contact.lost`: the customer
 * deleted that member). Rates are over the reached customers; nothing is estimated.
 */
import { type CsvCell, safeText, toCsv } from "@siyu/kernel";
import { LOSS_DAYS } from "./run.ts";

export interface StaffResult {
  userId: string;
  published: boolean;
  reached: number;
  likes: number;
  comments: number;
  losses: number;
}

export interface RunResults {
  at: string;
  state: string;
  momentId: string | null;
  staffPublished: number;
  staffTotal: number;
  reached: number;
  likes: number;
  comments: number;
  losses: number;
  /** (likes + comments) / reached, 0 when nobody was reached. */
  interactionRate: number;
  /** losses / reached. */
  lossRate: number;
  invalidSenders: string[];
  invalidTags: string[];
  staff: StaffResult[];
}

export interface CollectInput {
  tasks: readonly { userid: string; publish_status: number }[];
  /** Per published member: the customers their post could reach. */
  reached: ReadonlyMap<string, readonly string[]>;
  /** Per published member: likes and comments by customers. */
  interactions: ReadonlyMap<string, { likes: number; comments: number }>;
  /** `contact.lost` facts of the reached customers: who deleted whom, when. */
  lost: readonly { userId: string; externalUserId: string; lostAt: string }[];
  runAt: string;
}

const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);

/** Per-staff results of a run, from what WeCom and the loss facts say. */
export function staffResults(input: CollectInput): StaffResult[] {
  const from = Date.parse(input.runAt);
  const until = from + LOSS_DAYS * 86_400_000;
  const lostPairs = new Set(input.lost.filter((l) => Date.parse(l.lostAt) >= from && Date.parse(l.lostAt) < until).map((l) => `${l.userId}/${l.externalUserId}`));
  return input.tasks.map((task) => {
    const reached = task.publish_status === 1 ? [...new Set(input.reached.get(task.userid) ?? [])] : [];
    const i = input.interactions.get(task.userid) ?? { likes: 0, comments: 0 };
    return {
      userId: task.userid,
      published: task.publish_status === 1,
      reached: reached.length,
      likes: task.publish_status === 1 ? i.likes : 0,
      comments: task.publish_status === 1 ? i.comments : 0,
      losses: reached.filter((ext) => lostPairs.has(`${task.userid}/${ext}`)).length,
    };
  });
}

/** A run's totals from its staff rows. */
export function runResults(run: { at: string; state: string; momentId?: string; invalidSenders?: { userIds: string[] }; invalidTags?: string[] }, staff: readonly StaffResult[]): RunResults {
  const sum = (f: (s: StaffResult) => number) => staff.reduce((n, s) => n + f(s), 0);
  const reached = sum((s) => s.reached);
  const likes = sum((s) => s.likes);
  const comments = sum((s) => s.comments);
  const losses = sum((s) => s.losses);
  return {
    at: run.at,
    state: run.state,
    momentId: run.momentId ?? null,
    staffPublished: staff.filter((s) => s.published).length,
    staffTotal: staff.length,
    reached,
    likes,
    comments,
    losses,
    interactionRate: rate(likes + comments, reached),
    lossRate: rate(losses, reached),
    invalidSenders: run.invalidSenders?.userIds ?? [],
    invalidTags: run.invalidTags ?? [],
    staff: [...staff],
  };
}

/** The CSV of a post's results: one row per run and staff member (Chinese headers, as churn-stats'). */
export function resultsCsv(postName: string, runs: readonly RunResults[]): string {
  const rows: CsvCell[][] = [["朋友圈", "发表时间", "状态", "员工", "已发表", "触达客户", "点赞", "评论", "7日内流失"]];
  for (const r of runs) for (const s of r.staff) rows.push([safeText(postName), r.at, r.state, safeText(s.userId), s.published ? 1 : 0, s.reached, s.likes, s.comments, s.losses]);
  return toCsv(rows);
}
