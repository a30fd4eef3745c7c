import { Typography } from "antd";
import { useLang } from "../i18n";

/** Broadcasts: the page is being built (issue work in progress); the menu entry exists so routes are stable. */
export default function Broadcasts() {
  const { t } = useLang();
  return <Typography.Title level={3}>{t.broadcasts}</Typography.Title>;
}
