/**
 * Builds the decrypted callback XML exactly as WeCom writes it (wecom-reference §3): string values in
 * CDATA sections, numbers bare, lists as `<Item>` children. Building only; nothing here parses XML.
 */
export type XmlValue = string | number | string[];
/** Ordered fields: WeCom's element order is kept as given. */
export type XmlFields = ReadonlyArray<readonly [name: string, value: XmlValue | undefined]>;

function cdata(value: string): string {
  // A literal "]]>" would close the section early; split it across two sections.
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

function element(name: string, value: XmlValue): string {
  if (typeof value === "number") return `<${name}>${value}</${name}>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => `<Item>${cdata(v)}</Item>`).join("")}</${name}>`;
  return `<${name}>${cdata(value)}</${name}>`;
}

/** `<xml>…</xml>` with one element per defined field, in order. */
export function buildXml(fields: XmlFields): string {
  const body = fields
    .filter((f): f is readonly [string, XmlValue] => f[1] !== undefined)
    .map(([name, value]) => element(name, value))
    .join("");
  return `<xml>${body}</xml>`;
}
