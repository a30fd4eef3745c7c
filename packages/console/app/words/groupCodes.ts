/** The words of the 群活码 pages: `zh` first, `en` with the same keys (merged in ../i18n.tsx). */
export const zh = {
  groupCodes: "群活码",
} as const;

export const en: { [K in keyof typeof zh]: string } = {
  groupCodes: "Group codes",
};
