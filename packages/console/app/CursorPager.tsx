import { Button, Space } from "antd";
import type React from "react";
import { useLang } from "./i18n";

/**
 * 第一页 / 下一页 over an API's opaque cursors: `cursors` is the stack of pages seen (the first is
 * `undefined`); the next page is the answer's `nextCursor`, when it has one.
 */
export function CursorPager({
  cursors,
  setCursors,
  nextCursor,
  nextLabel,
  small,
  style,
}: {
  cursors: readonly (string | undefined)[];
  setCursors: (c: (string | undefined)[]) => void;
  nextCursor: string | null | undefined;
  nextLabel?: string;
  small?: boolean;
  style?: React.CSSProperties;
}) {
  const { t } = useLang();
  const size = small ? "small" : undefined;
  return (
    <Space style={style}>
      <Button size={size} disabled={cursors.length === 1} onClick={() => setCursors([undefined])}>
        {t.firstPage}
      </Button>
      <Button size={size} disabled={!nextCursor} onClick={() => setCursors([...cursors, nextCursor ?? undefined])}>
        {nextLabel ?? t.nextPage}
      </Button>
    </Space>
  );
}
