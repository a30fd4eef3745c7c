import { Typography } from "antd";
import { useLang } from "../i18n";

/** Moments: the page is being built (issue work in progress); the menu entry exists so routes are stable. */
export default function Moments() {
  const { t } = useLang();
  return <Typography.Title level={3}>{t.moments}</Typography.Title>;
}
