import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { observeWecomErrors } from "@siyu/wecom/observe";
import { currentLogContext } from "./logger.ts";
import { currentEnv } from "./runtime-env.ts";

/**
 * Metrics as CloudWatch Embedded Metric Format lines (Powertools for AWS Lambda's Metrics): namespace
 * `Siyu`, dimension `service` (and `client`), plus a metric's own dimensions. Handlers count through
 * `metric()`; the lambda-kit wrappers publish what an invocation counted when it ends
 * (`publishMetrics`). One Metrics per client and service: locally many services share a process.
 */
const byService = new Map<string, Metrics>();
const pending = new Set<Metrics>();

function metricsFor(service: string, client: string | undefined): Metrics {
  const key = `${client ?? ""}/${service}`;
  let m = byService.get(key);
  if (!m) {
    m = new Metrics({ namespace: "Siyu", serviceName: service, ...(client ? { defaultDimensions: { client } } : {}) });
    byService.set(key, m);
  }
  return m;
}

export type Unit = "Count" | "Milliseconds";

/**
 * Count (or time) something for the current invocation's service. With `dimensions` (e.g. the
 * errcode), the metric is its own EMF line at once; without, it joins the invocation's line.
 *
 * @example metric("WelcomeSent"); metric("WelcomeLatency", ms, "Milliseconds"); metric("WecomErrors", 1, "Count", { errcode: "45009" });
 */
export function metric(name: string, value = 1, unit: Unit = "Count", dimensions?: Record<string, string>): void {
  const env = currentEnv();
  const service = String(currentLogContext()["service"] ?? env["SIYU_SERVICE"] ?? "siyu");
  const m = metricsFor(service, env["SIYU_CLIENT"]);
  const u = unit === "Milliseconds" ? MetricUnit.Milliseconds : MetricUnit.Count;
  if (dimensions) {
    const single = m.singleMetric();
    for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
    single.addMetric(name, u, value);
    return;
  }
  m.addMetric(name, u, value);
  pending.add(m);
}

/** Write what was counted since the last publish (the wrappers call this as an invocation ends). */
export function publishMetrics(): void {
  for (const m of pending) m.publishStoredMetrics();
  pending.clear();
}

/** Every errcode WeCom answers a function, by errcode (45009/45033 are alarmed: a frequency rule was hit). */
export function countWecomErrors(): void {
  observeWecomErrors((_api, errcode) => metric("WecomErrors", 1, "Count", { errcode: String(errcode) }));
}
