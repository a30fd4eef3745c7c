import { App as AntApp, Button, ConfigProvider, Layout, Menu, Spin, theme } from "antd";
import { lazy, Suspense } from "react";
import { LangProvider, useLang } from "./i18n";
import { navigate, usePath } from "./router";

// One chunk per page: the first load carries the shell and the page it opens on.
const pages = {
  "/": lazy(() => import("./pages/Home")),
  "/channels": lazy(() => import("./pages/Channels")),
  "/customers": lazy(() => import("./pages/Customers")),
  "/tags": lazy(() => import("./pages/Tags")),
  "/transfers": lazy(() => import("./pages/Transfers")),
  "/group-codes": lazy(() => import("./pages/GroupCodes")),
  "/broadcasts": lazy(() => import("./pages/Broadcasts")),
  "/moments": lazy(() => import("./pages/Moments")),
  "/churn": lazy(() => import("./pages/Churn")),
} as const;
type PagePath = keyof typeof pages;

function Shell() {
  const { t, lang, setLang, antdLocale } = useLang();
  const path = usePath();
  const key: PagePath = path in pages ? (path as PagePath) : "/";
  const Page = pages[key];
  return (
    <ConfigProvider locale={antdLocale} theme={{ algorithm: theme.defaultAlgorithm }}>
      <AntApp>
      <Layout style={{ minHeight: "100vh" }}>
        <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light">
          <div style={{ padding: 16, fontWeight: 600 }}>{t.appName}</div>
          <Menu
            mode="inline"
            selectedKeys={[key]}
            onClick={(e) => navigate(e.key)}
            items={[
              { key: "/", label: t.home },
              { key: "/channels", label: t.channels },
              { key: "/customers", label: t.customers },
              { key: "/tags", label: t.tags },
              { key: "/transfers", label: t.transfers },
              { key: "/group-codes", label: t.groupCodes },
              { key: "/broadcasts", label: t.broadcasts },
              { key: "/moments", label: t.moments },
              { key: "/churn", label: t.churn },
            ]}
          />
        </Layout.Sider>
        <Layout>
          <Layout.Header style={{ background: "transparent", display: "flex", justifyContent: "flex-end", alignItems: "center" }}>
            <Button data-testid="lang-toggle" onClick={() => setLang(lang === "en" ? "zh" : "en")}>
              {t.language}
            </Button>
          </Layout.Header>
          <Layout.Content style={{ padding: "0 24px 24px" }}>
            <Suspense fallback={<Spin size="large" />}>
              <Page />
            </Suspense>
          </Layout.Content>
        </Layout>
      </Layout>
      </AntApp>
    </ConfigProvider>
  );
}

export default function App() {
  return (
    <LangProvider>
      <Shell />
    </LangProvider>
  );
}
