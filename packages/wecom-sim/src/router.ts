/**
 * A tiny exact-path router with `:param` segments. Used for both the WeCom API (/cgi-bin/...) and
 * the world API (/_sim/...). A parameter may end in a literal suffix (`:configId.png` matches
 * `abc.png` with configId `abc`). The first entry added that matches wins, so add a suffixed
 * pattern before the bare one it would otherwise share paths with.
 */
export type Method = "GET" | "POST";

interface Entry<H> {
  method: Method;
  parts: string[];
  handler: H;
}

type Match<H> = { handler: H; params: Record<string, string> } | { wrongMethod: Method[] } | null;

export class Router<H> {
  private readonly entries: Entry<H>[] = [];

  add(method: Method, pattern: string, handler: H): this {
    this.entries.push({ method, parts: split(pattern), handler });
    return this;
  }

  match(method: string, path: string): Match<H> {
    const parts = split(path);
    const allowed: Method[] = [];
    for (const e of this.entries) {
      const params = matchParts(e.parts, parts);
      if (!params) continue;
      if (e.method === method) return { handler: e.handler, params };
      allowed.push(e.method);
    }
    return allowed.length > 0 ? { wrongMethod: allowed } : null;
  }

  paths(): { method: Method; path: string }[] {
    return this.entries.map((e) => ({ method: e.method, path: `/${e.parts.join("/")}` }));
  }
}

function split(path: string): string[] {
  return path.split("/").filter(Boolean);
}

function matchParts(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(":")) {
      const dot = p.indexOf(".");
      if (dot === -1) {
        params[p.slice(1)] = decodeURIComponent(v);
        continue;
      }
      const suffix = p.slice(dot);
      if (v.length <= suffix.length || !v.endsWith(suffix)) return null;
      params[p.slice(1, dot)] = decodeURIComponent(v.slice(0, -suffix.length));
    } else if (p !== v) return null;
  }
  return params;
}
