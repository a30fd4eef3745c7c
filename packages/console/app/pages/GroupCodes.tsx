import { Typography } from "antd";
import { useLang } from "../i18n";

/** GroupCodes: the page is being built (issue work in progress); the menu entry exists so routes are stable. */
export default function GroupCodes() {
  const { t } = useLang();
  return <Typography.Title level={3}>{t.groupCodes}</Typography.Title>;
}
