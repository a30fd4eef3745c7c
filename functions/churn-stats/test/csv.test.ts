import { describe, expect, it } from "vitest";
import {
  buildCohorts,
  buildSeries,
  CHURN_COLUMNS,
  COHORT_COLUMNS,
  CORP_GROUP,
  churnSeriesCsv,
  cohortsCsv,
  csvField,
  safeText,
  toCsv,
  zeroCounters,
} from "../src/domain/index.ts";

const BOM = "\uFEFF";

describe("RFC 4180", () => {
  it("quotes fields with commas, quotes, CR or LF and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(-3)).toBe("-3");
    expect(csvField(null)).toBe("");
  });

  it("ends every record with CRLF and prepends a BOM unless asked not to", () => {
    expect(toCsv([["a", 1], ["b", null]])).toBe(`${BOM}a,1\r\nb,\r\n`);
    expect(toCsv([["a"]], { bom: false })).toBe("a\r\n");
  });

  it("neutralises text a spreadsheet would run as a formula", () => {
    expect(safeText("=HYPERLINK(\"x\")")).toBe("'=HYPERLINK(\"x\")");
    expect(safeText("+86")).toBe("'+86");
    expect(safeText("@me")).toBe("'@me");
    expect(safeText("张三")).toBe("张三");
  });
});

describe("churn series CSV", () => {
  const series = (groups: string[]) =>
    buildSeries({
      from: "2024-03-01",
      to: "2024-03-02",
      groups,
      rows: groups.map((group) => ({ day: "2024-03-01", group, ...zeroCounters(), added: 3, lost: 1, active: 2 })),
      opening: new Map(groups.map((g) => [g, 8])),
    });

  it("has a Chinese header by default and no group column for groupBy=day", () => {
    const csv = churnSeriesCsv(series([CORP_GROUP]), "day", { bom: false });
    expect(csv.split("\r\n")).toEqual([
      "日期,新增,流失,删除,转入,转出,净增,日初客户数,日末客户数,流失率",
      "2024-03-01,3,1,0,0,0,2,8,10,0.1250",
      "2024-03-02,0,0,0,0,0,0,10,10,0.0000",
      "",
    ]);
  });

  it("has English headers on request and a group column labelled per groupBy", () => {
    const csv = churnSeriesCsv(series(["staff:u1", "staff:u2"]), "staff", {
      bom: false,
      language: "en",
      label: (g) => (g === "staff:u1" ? "Wang, Li" : "=cmd"),
    });
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("date,staff,added,lost,removed,transferredIn,transferredOut,net,customersAtStart,customersAtEnd,churnRate");
    expect(lines[1]).toBe('2024-03-01,"Wang, Li",3,1,0,0,0,2,8,10,0.1250');
    expect(lines[3]).toBe("2024-03-01,'=cmd,3,1,0,0,0,2,8,10,0.1250");
    expect(lines).toHaveLength(6);
  });

  it("labels the no-channel group", () => {
    const csv = churnSeriesCsv(series(["channel:"]), "channel");
    expect(csv.startsWith(`${BOM}日期,渠道,`)).toBe(true);
    expect(csv).toContain("\r\n2024-03-01,(无渠道),3,");
  });

  it("documents both names of every column", () => {
    for (const c of [...CHURN_COLUMNS, ...COHORT_COLUMNS]) {
      expect(c.zh).toMatch(/\p{Script=Han}/u);
      expect(c.en).toMatch(/^[a-zA-Z0-9]+$/);
    }
  });
});

describe("cohort CSV", () => {
  it("leaves horizons that are not over yet empty", () => {
    const cohorts = buildCohorts({
      from: "2024-03-01",
      to: "2024-03-01",
      groups: ["channel:poster"],
      rows: [{ day: "2024-03-01", group: "channel:poster", size: 4, retained1: 3, retained7: 2, retained30: 2 }],
      asOfDay: "2024-03-10",
    });
    expect(cohortsCsv(cohorts, "channel", { bom: false }).split("\r\n")).toEqual([
      "添加日期,渠道,新增客户数,次日留存数,7日留存数,30日留存数,次日留存率,7日留存率,30日留存率",
      "2024-03-01,poster,4,3,2,,0.7500,0.5000,",
      "",
    ]);
  });
});
