import { Space, theme } from "antd";
import { useLang } from "../../i18n";

const GOOD = "#3f8600";
const BAD = "#cf1322";

/**
 * A figure with its change vs yesterday: ↑/↓ in green when the change is good (more adds), red when
 * bad (more losses, a higher rate). Rates change in percentage points; no arrow when either is unknown.
 */
export function Change({ value, before, upIsGood, rate }: { value: number | null; before: number | null | undefined; upIsGood: boolean; rate?: boolean }) {
  const { t } = useLang();
  const { token } = theme.useToken();
  const shown = value === null ? "—" : rate ? `${(value * 100).toFixed(1)}%` : String(value);
  const d = value === null || before === null || before === undefined ? null : value - before;
  let change = null;
  if (d !== null && Math.abs(d) > 1e-9) {
    const size = rate ? `${(Math.abs(d) * 100).toFixed(1)}${t.percentPoints}` : String(Math.abs(d));
    change = (
      <span style={{ color: d > 0 === upIsGood ? GOOD : BAD }} title={t.vsYesterday}>
        {d > 0 ? "↑" : "↓"}
        {size}
      </span>
    );
  } else if (d !== null) {
    change = <span style={{ color: token.colorTextSecondary }}>{t.unchanged}</span>;
  }
  return (
    <Space size={6}>
      <span data-testid="figure">{shown}</span>
      {change && <small>{change}</small>}
    </Space>
  );
}
