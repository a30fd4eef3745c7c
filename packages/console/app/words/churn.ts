/** The words of the 流失统计 (extensions) pages: `zh` first, `en` with the same keys (merged in ../i18n.tsx). */
export const zh = {
} as const;

export const en: { [K in keyof typeof zh]: string } = {
};
