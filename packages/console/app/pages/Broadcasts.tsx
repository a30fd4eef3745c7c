import { Tabs, Typography } from "antd";
import { useState } from "react";
import type { Campaign } from "../api/broadcasts";
import { useLang } from "../i18n";
import { CampaignDetail } from "./broadcasts/CampaignDetail";
import { CampaignForm } from "./broadcasts/CampaignForm";
import { CampaignList } from "./broadcasts/CampaignList";
import { SettingsForm } from "./broadcasts/SettingsForm";

type View = { kind: "list" } | { kind: "form"; campaign?: Campaign } | { kind: "detail"; campaignId: string };

/**
 * 群发: the campaigns (list, create or edit with the plan previewed first, detail with progress and
 * recipients) and the corp's receive-frequency 设置.
 */
export default function Broadcasts() {
  const { t } = useLang();
  const [view, setView] = useState<View>({ kind: "list" });
  const [tab, setTab] = useState("campaigns");
  const open = (campaignId: string) => setView({ kind: "detail", campaignId });
  const list = () => setView({ kind: "list" });

  const campaigns =
    view.kind === "form" ? (
      <CampaignForm key={view.campaign?.campaignId ?? "new"} campaign={view.campaign} onDone={(id) => (id ? open(id) : list())} />
    ) : view.kind === "detail" ? (
      <CampaignDetail key={view.campaignId} campaignId={view.campaignId} onBack={list} onEdit={(c) => setView({ kind: "form", campaign: c })} />
    ) : (
      <CampaignList onOpen={open} onEdit={(c) => setView({ kind: "form", campaign: c })} onCreate={() => setView({ kind: "form" })} />
    );

  return (
    <>
      <Typography.Title level={3}>{t.broadcasts}</Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: "campaigns", label: <span data-testid="bc-tab-campaigns">{t.bcList}</span>, children: campaigns },
          { key: "settings", label: <span data-testid="bc-tab-settings">{t.bcSettings}</span>, children: <SettingsForm /> },
        ]}
      />
    </>
  );
}
