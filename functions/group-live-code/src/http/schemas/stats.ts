/** The answer of `GET /v1/group-codes/{codeId}/stats` (app/stats.ts over the domain's `codeStats`). */
import * as z from "zod";

const count = (description?: string) => (description ? z.number().int().min(0).meta({ description }) : z.number().int().min(0));
const fraction = (description: string) => z.number().min(0).max(1).meta({ description });

/** `Counts`. */
const counts = {
  pageViews: count("Landing-page visits (none in native mode: WeCom reports no scans)"),
  uniqueVisitors: count("Distinct visitors among the views that have one"),
  joins: count(),
  joinsViaCode: count("Joins whose member state names this code"),
  leaves: count(),
};

export const codeStatsSchema = z.object({
  codeId: z.string(),
  totals: z.object({
    ...counts,
    currentMembers: count("Members of the routable groups now"),
    duplicateMembers: count("Distinct customers in more than one of the code's groups"),
    fill: fraction("Members over capacity of the routable groups (0 when none is routable)"),
    groups: count(),
    routableGroups: count(),
  }),
  groups: z.array(
    z.object({
      chatId: z.string(),
      ...counts,
      capacity: count(),
      currentMembers: count(),
      duplicateMembers: count("Customers of this group also in another group of the code"),
      fill: fraction("members / capacity"),
      routable: z.boolean().meta({ description: "Neither dismissed nor removed" }),
    }),
  ),
  daily: z
    .array(z.object({ day: z.string().meta({ description: "A corp day (YYYY-MM-DD in the corp's time zone)" }), ...counts }))
    .meta({ description: "One row per corp day with a fact, ascending" }),
});
