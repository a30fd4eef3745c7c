import { Empty, theme } from "antd";
import type { CSSProperties, ReactNode } from "react";

export interface FigureColumn<T> {
  title: ReactNode;
  render(row: T): ReactNode;
}

/**
 * A small read-only table for a few rows of figures (首页's today per channel and per staff), drawn
 * with Ant Design's tokens so it looks like a `size="small"` antd Table. Why not antd's Table here:
 * the Table's chunk is ~110 KB gzip (sorting, filters, selection, virtual scroll, pagination), more
 * than a quarter of the first load's budget, for rows that need none of it. Pages with real tables
 * (sorting, expanding, paging many rows) keep antd's Table.
 */
export function FigureTable<T extends { key: string }>({ columns, rows, emptyText, loading, testId }: {
  columns: readonly FigureColumn<T>[];
  rows: readonly T[];
  emptyText: string;
  loading?: boolean;
  testId?: string;
}) {
  const { token } = theme.useToken();
  const cell: CSSProperties = { padding: `${token.paddingXS}px`, borderBottom: `1px solid ${token.colorBorderSecondary}`, textAlign: "left" };
  return (
    <table data-testid={testId} style={{ width: "100%", borderCollapse: "collapse", fontSize: token.fontSize, opacity: loading ? 0.5 : 1 }}>
      <thead>
        <tr>
          {columns.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of columns
            <th key={i} scope="col" style={{ ...cell, background: token.colorFillAlter, fontWeight: token.fontWeightStrong, color: token.colorTextHeading }}>
              {c.title}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 ? (
          <tr>
            <td colSpan={columns.length} style={cell}>
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={emptyText} />
            </td>
          </tr>
        ) : (
          rows.map((r) => (
            <tr key={r.key}>
              {columns.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list of columns
                <td key={i} style={cell}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}
