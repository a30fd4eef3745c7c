import { theme } from "antd";
import type { ReactNode } from "react";

/**
 * A page's heading, styled as antd's `Typography.Title level={3}`. 首页 uses it instead of Typography,
 * whose module brings the editable text's Input and TextArea (~15 KB gzip) into the first load.
 */
export function PageTitle({ children }: { children: ReactNode }) {
  const { token } = theme.useToken();
  return <h3 style={{ margin: `0 0 ${token.marginSM}px`, color: token.colorTextHeading, fontSize: token.fontSizeHeading3, fontWeight: token.fontWeightStrong, lineHeight: token.lineHeightHeading3 }}>{children}</h3>;
}
