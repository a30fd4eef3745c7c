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

export class RequestLog {
  readonly entries: RequestRecord[] = [];

  start(at: string, method: string, path: string, api: string, query: URLSearchParams): RequestRecord {
    const q: Record<string, string> = {};
    for (const [k, v] of query) q[k] = k === "access_token" || k === "corpsecret" ? "***" : v;
    const record: RequestRecord = { seq: this.entries.length + 1, at, method, path, api, query: q, errcode: null };
    this.entries.push(record);
    return record;
  }
}
