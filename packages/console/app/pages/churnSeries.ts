import { api } from "../api/client";
import { unwrap } from "../api/problem";
import type { ChurnAnswer } from "../api/views";
import { addDays, corpToday } from "../days";

/** The corp's daily figures for the last `days` days (today included). */
export async function corpDays(days: number): Promise<ChurnAnswer> {
  const to = corpToday();
  const r = await api.GET("/v1/stats/churn", { params: { query: { from: addDays(to, -(days - 1)), to, groupBy: "day" } } });
  return unwrap(r) as unknown as ChurnAnswer;
}
