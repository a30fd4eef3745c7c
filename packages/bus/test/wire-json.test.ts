import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { wireJson } from "../src/bus.ts";

// the characters SQS accepts in a body (the strict reading: BMP only, as emulators apply it)
const SQS_SAFE = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd]*$/;

describe("wireJson", () => {
  it("escapes astral characters and U+FFFE/U+FFFF, and nothing else", () => {
    expect(wireJson({ s: "海报🎉" })).toBe('{"s":"海报\\ud83c\\udf89"}');
    expect(wireJson({ s: "\uffff" })).toBe('{"s":"\\uffff"}');
    expect(wireJson({ s: "渠道 a#b" })).toBe(JSON.stringify({ s: "渠道 a#b" }));
  });

  it("is the same JSON value in characters every queue takes (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (v, a, b) => {
        const value = { v, a, b };
        const wire = wireJson(value);
        expect(wire).toMatch(SQS_SAFE);
        expect(JSON.parse(wire)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});
