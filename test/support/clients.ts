import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import type { LocalPlatform } from "@siyu/local";

/** HTTP clients for e2e tests: the platform's API (admin token by default) and the simulator's world API. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed when it is a JSON object. */
  json: Record<string, any> | undefined;
}

export function apiClient(platform: LocalPlatform) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    opts: { headers?: Record<string, string>; token?: string | null } = {},
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? platform.adminToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${platform.gatewayUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? (JSON.parse(text) as Record<string, any>) : undefined };
  };
}

/** `sim("staff", {...})` posts to `/_sim/staff`; without a body it GETs. Non-2xx throws with the body. */
export function simClient(platform: LocalPlatform) {
  return async <T = Record<string, any>>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${platform.simulatorUrl}/_sim/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sim ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/**
 * A queue of the test's own on the domain-event topic, filtered to `types`, with raw delivery set at
 * subscribe time (no window in which a message arrives unfiltered or wrapped).
 */
export async function tapTopic(platform: LocalPlatform, types: readonly string[]): Promise<string> {
  const name = `${platform.prefix}-tap-${Math.random().toString(36).slice(2, 8)}`;
  const url = (await platform.sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await platform.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
  await platform.sns.send(
    new SubscribeCommand({
      TopicArn: platform.topicArn,
      Protocol: "sqs",
      Endpoint: arn,
      Attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify({ type: types }) },
    }),
  );
  return url;
}

export interface QueuedMessage {
  body: string;
  attributes: Record<string, string>;
}

/** Receive (and leave behind) everything on a queue until it answers empty. */
export async function drainQueue(platform: LocalPlatform, url: string): Promise<QueuedMessage[]> {
  const out: QueuedMessage[] = [];
  for (;;) {
    const r = await platform.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }));
    if (!r.Messages?.length) return out;
    for (const m of r.Messages) {
      out.push({ body: m.Body!, attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? ""])) });
    }
  }
}

/** The envelopes a topic tap received. */
export async function readTap(platform: LocalPlatform, url: string): Promise<{ id: string; type: string; data: Record<string, any> }[]> {
  return (await drainQueue(platform, url)).map((m) => JSON.parse(m.body));
}
