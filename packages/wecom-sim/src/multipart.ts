/**
 * A small multipart/form-data reader (RFC 7578) for the one WeCom upload the simulator serves. It
 * keeps what a strict check needs to see: each part's field name, and for a file its `filename` and
 * its own `Content-Type` (absent stays undefined, so a client that forgets either can be told so).
 */
export interface FormPart {
  name: string;
  /** Set only when the part's Content-Disposition carries `filename=`: a file. */
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** The boundary of a `multipart/form-data` Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType.trim())) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/** The parts of a multipart body; a body that does not follow the format gives `null`. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | null {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return null;
  for (;;) {
    at += delimiter.length;
    // `--` after a delimiter closes the body
    if (body.subarray(at, at + 2).toString("latin1") === "--") return parts;
    if (!body.subarray(at, at + 2).equals(CRLF)) return null;
    const headerEnd = body.indexOf(HEADER_END, at + 2);
    if (headerEnd === -1) return null;
    const next = body.indexOf(Buffer.concat([CRLF, delimiter]), headerEnd + 4);
    if (next === -1) return null;
    const part = readPart(body.subarray(at + 2, headerEnd).toString("utf8"), body.subarray(headerEnd + 4, next));
    if (!part) return null;
    parts.push(part);
    at = next + CRLF.length;
  }
}

function readPart(headerText: string, data: Buffer): FormPart | null {
  const headers = new Map<string, string>();
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get("content-disposition");
  if (!disposition || !/^form-data\b/i.test(disposition)) return null;
  const name = param(disposition, "name");
  if (name === undefined) return null;
  return { name, filename: param(disposition, "filename"), contentType: headers.get("content-type"), data };
}

/** A Content-Disposition parameter, quoted or not (WeCom's own example writes `name="media";filename="x"; filelength=6`). */
function param(disposition: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(disposition);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2];
}
