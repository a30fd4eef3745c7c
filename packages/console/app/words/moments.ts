/** The words of the 朋友圈 pages: `zh` first, `en` with the same keys (merged in ../i18n.tsx). */
export const zh = {
  moments: "朋友圈",
} as const;

export const en: { [K in keyof typeof zh]: string } = {
  moments: "Moments",
};
