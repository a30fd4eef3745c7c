/**
 * `pnpm --filter @siyu/fn-churn-stats rebuild --from YYYY-MM-DD --to YYYY-MM-DD [options]`
 *
 * Recomputes the churn counters of a range of corp days from the stored facts (see
 * src/app/rebuild.ts) and prints a report. Reaches the table like the functions do:
 *
 *   --table <name>       the churn-stats table        (default $SIYU_TABLE)
 *   --timezone <iana>    the corp timezone            (default $SIYU_CORP_TIMEZONE, else Asia/Shanghai)
 *   --endpoint <url>     DynamoDB endpoint, e.g. the local platform's DynamoDB Local
 *                        (default $AWS_ENDPOINT_URL_DYNAMODB, else AWS)
 *   --region <region>    (default $AWS_REGION, else us-east-1 with --endpoint)
 *   --dry-run            report the differences, write nothing
 *   --json               print the report as JSON
 *
 * In AWS, credentials come from the usual SDK chain (profile, SSO, environment).
 */
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DEFAULT_TIMEZONE, isValidTimeZone } from "@siyu/kernel";
import { setDocumentClient } from "@siyu/store";
import { rebuildRange } from "../app/rebuild.ts";
import { InvalidQuery, parseDayRange } from "../domain/index.ts";

const USAGE = "usage: rebuild --from YYYY-MM-DD --to YYYY-MM-DD [--table name] [--timezone tz] [--endpoint url] [--region r] [--dry-run] [--json]";

export interface CliResult {
  code: number;
  output: string;
}

/** The CLI as a function (tests call it; the bottom of this file runs it). */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<CliResult> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        from: { type: "string" },
        to: { type: "string" },
        table: { type: "string" },
        timeZone: { type: "string" },
        endpoint: { type: "string" },
        region: { type: "string" },
        "dry-run": { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (error) {
    return { code: 2, output: `${(error as Error).message}\n${USAGE}` };
  }
  if (values.help) return { code: 0, output: USAGE };
  let range: { from: string; to: string };
  try {
    range = parseDayRange({ from: values.from, to: values.to });
  } catch (error) {
    const issues = error instanceof InvalidQuery ? error.broken.map((rule) => `--${rule.field}: ${rule.message}`).join("\n") : String(error);
    return { code: 2, output: `${issues}\n${USAGE}` };
  }
  const table = (values.table as string | undefined) ?? env.SIYU_TABLE;
  if (!table) return { code: 2, output: `--table (or SIYU_TABLE) is required\n${USAGE}` };
  const timeZone = (values.timeZone as string | undefined) ?? env.SIYU_CORP_TIMEZONE ?? DEFAULT_TIMEZONE;
  if (!isValidTimeZone(timeZone)) return { code: 2, output: `--timezone: ${timeZone} is not an IANA timezone` };
  const endpoint = (values.endpoint as string | undefined) ?? env.AWS_ENDPOINT_URL_DYNAMODB;
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? (endpoint ? "us-east-1" : undefined);
  const local = endpoint && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])/.test(endpoint);
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(local && !env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
  });
  setDocumentClient(DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }));
  try {
    const report = await rebuildRange({ table, timeZone, ...range, dryRun: Boolean(values["dry-run"]) });
    if (values.json) return { code: 0, output: JSON.stringify(report, null, 2) };
    const lines = [
      `rebuild ${report.from}..${report.to} (${report.timeZone})${report.dryRun ? " — dry run, nothing written" : ""}`,
      `  days ${report.days}, ledgers read ${report.ledgersRead}, rows compared ${report.rowsCompared}, rows ${report.dryRun ? "that differ" : "corrected"} ${report.rowsChanged}, days redone ${report.redone}`,
      ...report.changes.slice(0, 50).map((c) => `  ${c.day} ${c.rows.padEnd(6)} ${c.group}: ${JSON.stringify(c.delta)}`),
    ];
    if (report.changes.length > 50) lines.push(`  … ${report.changes.length - 50} more (--json for all)`);
    return { code: 0, output: lines.join("\n") };
  } finally {
    setDocumentClient(undefined);
    client.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await main(process.argv.slice(2)).catch((error: unknown) => ({ code: 1, output: `rebuild failed: ${(error as Error).stack ?? String(error)}` }));
  (result.code === 0 ? console.log : console.error)(result.output);
  process.exit(result.code);
}
