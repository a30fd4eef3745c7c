import { addDays, corpDay, zonedParts } from "@siyu/kernel";

/**
 * The receive-frequency rule for mass messages (wecom-reference §7, current version D/92135
 * upd. 2025/11/17): each customer or customer group receives at most (days in the month) mass
 * messages per natural month by default; the admin can switch to 7 per week or 1 per day.
 * Periods are natural periods in the corp's timezone.
 */
export type ReceiveFrequency = "month" | "week" | "day";

interface FrequencyWindow {
  frequency: ReceiveFrequency;
  /** Identifies the period: `2025-03` (month), Monday's date (week), the day (day). */
  key: string;
  cap: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function frequencyWindow(frequency: ReceiveFrequency, at: Date | number, timeZone: string): FrequencyWindow {
  const instant = new Date(at);
  const p = zonedParts(instant, timeZone);
  switch (frequency) {
    case "month":
      return { frequency, key: `${p.year}-${String(p.month).padStart(2, "0")}`, cap: daysInMonth(p.year, p.month) };
    case "week":
      return { frequency, key: addDays(corpDay(instant, timeZone), 1 - p.weekday), cap: 7 };
    case "day":
      return { frequency, key: corpDay(instant, timeZone), cap: 1 };
  }
}
