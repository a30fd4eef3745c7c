/** The API request log (`GET /_sim/requests`): what Siyu called, when, and what it got back. */
export interface RequestRecord {
  seq: number;
  /** Simulator-clock time of the request. */
  at: string;
  method: string;
  /** Full path, e.g. `/cgi-bin/gettoken`. */
  path: string;
  /** The path below /cgi-bin/. */
  api: string;
  /** Query parameters; access_token is masked. */
  query: Record<string, string>;
  errcode: number | null;
}

/** Keep memory bounded in long benchmark runs: beyond this the oldest 10% are dropped. */
const MAX_LOG_ENTRIES = 200_000;

export class RequestLog {
  readonly entries: RequestRecord[] = [];
  private seq = 0;
  dropped = 0;

  start(at: string, method: string, path: string, api: string, query: URLSearchParams): RequestRecord {
    const q: Record<string, string> = {};
    for (const [k, v] of query) q[k] = k === "access_token" || k === "corpsecret" ? "***" : v;
    const record: RequestRecord = { seq: ++this.seq, at, method, path, api, query: q, errcode: null };
    this.entries.push(record);
    if (this.entries.length > MAX_LOG_ENTRIES) {
      const n = Math.floor(MAX_LOG_ENTRIES / 10);
      this.entries.splice(0, n);
      this.dropped += n;
    }
    return record;
  }
}
