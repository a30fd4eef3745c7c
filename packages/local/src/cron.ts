import { Cron } from "croner";

/**
 * EventBridge Scheduler expressions → something we can compute next run times from.
 *
 * `cron(minutes hours day-of-month month day-of-week year)` differs from Vixie cron / croner in ways
 * that silently shift schedules if converted naively:
 * - day-of-week is 1-7 = SUN-SAT (croner: 0-6 = SUN-SAT, 7 = SUN) → every number is shifted by one;
 * - `?` means "no specific value" (croner: "the value at initialisation time") → becomes `*`;
 * - `6L` = last Friday of the month (croner: `5#L`); `3#2` = second Tuesday (croner: `2#2`);
 * - a sixth field, the year, which croner has no notion of → checked here;
 * - `W` (nearest weekday) has no croner equivalent → rejected with a clear error.
 */

export type ScheduleExpression =
  | { kind: "cron"; expression: string; pattern: string; years: YearMatcher | null }
  | { kind: "rate"; expression: string; everyMs: number };

export type YearMatcher = (year: number) => boolean;

export class ScheduleExpressionError extends Error {}

const DOW_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/** Parse an EventBridge Scheduler `cron(...)` or `rate(...)` expression. */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const expr = expression.trim();
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) throw new ScheduleExpressionError(`${expression}: the rate must be at least 1`);
    const unit = rate[2]!.replace(/s$/, "");
    if (n === 1 && rate[2]!.endsWith("s")) throw new ScheduleExpressionError(`${expression}: use the singular unit for 1 (e.g. rate(1 minute))`);
    if (n > 1 && !rate[2]!.endsWith("s")) throw new ScheduleExpressionError(`${expression}: use the plural unit for values above 1 (e.g. rate(5 minutes))`);
    const unitMs = unit === "minute" ? 60_000 : unit === "hour" ? 3_600_000 : 86_400_000;
    return { kind: "rate", expression: expr, everyMs: n * unitMs };
  }
  const cron = /^cron\((.+)\)$/.exec(expr);
  if (!cron) throw new ScheduleExpressionError(`${expression}: expected cron(m h dom mon dow year) or rate(n unit)`);
  const { pattern, years } = eventBridgeCronToCroner(cron[1]!);
  return { kind: "cron", expression: expr, pattern, years };
}

/**
 * Convert the six fields of an EventBridge cron expression (the text inside `cron(...)`) to a
 * five-field croner pattern plus an optional year matcher.
 */
export function eventBridgeCronToCroner(fields: string): { pattern: string; years: YearMatcher | null } {
  const parts = fields.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleExpressionError(`cron(${fields}): expected 6 fields (minutes hours day-of-month month day-of-week year)`);
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if (dom !== "?" && dow !== "?") {
    throw new ScheduleExpressionError(`cron(${fields}): one of day-of-month and day-of-week must be "?" (EventBridge rule)`);
  }
  if (/W/i.test(dom)) throw new ScheduleExpressionError(`cron(${fields}): "W" (nearest weekday) is not supported by the local scheduler`);
  for (const [name, value] of [
    ["minutes", minutes],
    ["hours", hours],
    ["month", month],
  ] as const) {
    if (value.includes("?")) throw new ScheduleExpressionError(`cron(${fields}): "?" is only allowed in day-of-month and day-of-week, not in ${name}`);
  }
  const pattern = [minutes, hours, dom === "?" ? "*" : dom, month, dow === "?" ? "*" : convertDayOfWeek(dow, fields)].join(" ");
  // Let croner validate the result now rather than at the first tick.
  try {
    new Cron(pattern, { paused: true });
  } catch (err) {
    throw new ScheduleExpressionError(`cron(${fields}) → "${pattern}": ${(err as Error).message}`);
  }
  return { pattern, years: parseYears(year, fields) };
}

/** EventBridge day-of-week (1-7 = SUN-SAT, names, `L`, `#`) → croner (0-6 = SUN-SAT). */
function convertDayOfWeek(field: string, fields: string): string {
  const one = (token: string): string => {
    const upper = token.toUpperCase();
    if (DOW_NAMES.includes(upper)) return String(DOW_NAMES.indexOf(upper));
    if (/^\d+$/.test(token)) {
      const n = Number(token);
      if (n < 1 || n > 7) throw new ScheduleExpressionError(`cron(${fields}): day-of-week ${token} is outside 1-7 (SUN-SAT)`);
      return String(n - 1);
    }
    throw new ScheduleExpressionError(`cron(${fields}): cannot read day-of-week "${token}"`);
  };
  return field
    .split(",")
    .map((item) => {
      if (item === "*") return "*";
      let m = /^([A-Za-z0-9]+)L$/.exec(item);
      if (m) return `${one(m[1]!)}#L`;
      m = /^([A-Za-z0-9]+)#([1-5])$/.exec(item);
      if (m) return `${one(m[1]!)}#${m[2]}`;
      m = /^([A-Za-z0-9*]+)(?:-([A-Za-z0-9]+))?(?:\/(\d+))?$/.exec(item);
      if (m) {
        const start = m[1] === "*" ? "*" : one(m[1]!);
        const end = m[2] !== undefined ? `-${one(m[2])}` : "";
        const step = m[3] !== undefined ? `/${m[3]}` : "";
        return `${start}${end}${step}`;
      }
      throw new ScheduleExpressionError(`cron(${fields}): cannot read day-of-week "${item}"`);
    })
    .join(",");
}

function parseYears(field: string, fields: string): YearMatcher | null {
  if (field === "*") return null;
  const tests = field.split(",").map((item): YearMatcher => {
    const m = /^(\*|\d{4})(?:-(\d{4}))?(?:\/(\d+))?$/.exec(item);
    if (!m) throw new ScheduleExpressionError(`cron(${fields}): cannot read year "${item}"`);
    const from = m[1] === "*" ? 1970 : Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined || m[1] === "*" ? 2199 : from;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (step < 1) throw new ScheduleExpressionError(`cron(${fields}): year step must be positive`);
    return (y) => y >= from && y <= to && (y - from) % step === 0;
  });
  return (y) => tests.some((t) => t(y));
}

/** The next time `expr` fires strictly after `after`, in `timezone`; null if it never fires again. */
export function nextRun(expr: ScheduleExpression, timeZone: string, after: Date, startedAt: Date = after): Date | null {
  if (expr.kind === "rate") {
    const elapsed = after.getTime() - startedAt.getTime();
    const n = Math.floor(elapsed / expr.everyMs) + 1;
    return new Date(startedAt.getTime() + n * expr.everyMs);
  }
  const cron = new Cron(expr.pattern, { paused: true, timezone: timeZone });
  let cursor: Date | null = after;
  for (let i = 0; i < 10_000 && cursor; i++) {
    cursor = cron.nextRun(cursor);
    if (!cursor) return null;
    if (!expr.years || expr.years(yearIn(cursor, timeZone))) return cursor;
    if (yearIn(cursor, timeZone) > 2199) return null;
  }
  return null;
}

/** The next `count` fire times after `after` (for docs, logs and tests). */
export function nextRuns(expr: ScheduleExpression, timeZone: string, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < count) {
    const next = nextRun(expr, timeZone, cursor, after);
    if (!next) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

function yearIn(date: Date, timeZone: string): number {
  return Number(new Intl.DateTimeFormat("en-US", { timeZone: timeZone, year: "numeric" }).format(date));
}
