/** The words of the 群发 pages: `zh` first, `en` with the same keys (merged in ../i18n.tsx). */
export const zh = {
  broadcasts: "群发",
} as const;

export const en: { [K in keyof typeof zh]: string } = {
  broadcasts: "Broadcasts",
};
