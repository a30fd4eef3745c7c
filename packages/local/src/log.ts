/**
 * The platform's own log lines (not the handlers': those are structured JSON and pass through
 * untouched). Readable, prefixed with `[local]`, on stderr so they never interleave into a JSON
 * consumer of stdout.
 */
export interface PlatformLogger {
  debug?(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string, err?: unknown): void;
  /** One line per gateway request. */
  request(method: string, path: string, status: number, ms: number): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function consoleLogger(level: LogLevel = "info", opts: { color?: boolean; requests?: boolean } = {}): PlatformLogger {
  const color = opts.color ?? Boolean(process.stderr.isTTY);
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const tag = paint("2", "[local]");
  const out = (lvl: LogLevel, line: string) => {
    if (ORDER[lvl] >= ORDER[level]) process.stderr.write(`${tag} ${line}\n`);
  };
  return {
    debug: (msg) => out("debug", paint("2", msg)),
    info: (msg) => out("info", msg),
    warn: (msg) => out("warn", paint("33", msg)),
    error: (msg, err) => out("error", paint("31", err === undefined ? msg : `${msg}: ${describeError(err)}`)),
    request: (method, path, status, ms) => {
      if (opts.requests === false) return;
      const s = status >= 500 ? paint("31", String(status)) : status >= 400 ? paint("33", String(status)) : paint("32", String(status));
      out("debug", `${method} ${path} → ${s} ${ms}ms`);
    },
  };
}

/** An error whose message says everything (a busy port, a missing Java): shown without a stack. */
export class PlatformStartError extends Error {
  override name = "PlatformStartError";
}

export function describeError(err: unknown): string {
  if (err instanceof PlatformStartError) return err.message;
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
