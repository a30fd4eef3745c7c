import { DownloadOutlined } from "@ant-design/icons";
import { App as AntApp, Button } from "antd";
import { useState } from "react";
import type { StatsFilter } from "../../api/churn";
import { useLang } from "../../i18n";
import { describe } from "../../States";
import { downloadCsv } from "../churnSeries";

/** 导出 CSV: the API's CSV of the current filters (every page of groups), in the console's language. */
export function ExportCsv({ what, filter, disabled }: { what: "churn" | "cohorts"; filter: StatsFilter; disabled?: boolean }) {
  const { t, lang } = useLang();
  const { message } = AntApp.useApp();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      message.success(t.churnExported.replace("{name}", await downloadCsv(what, filter, lang)));
    } catch (err) {
      message.error(`${t.churnExportFailed}: ${describe(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button data-testid="churn-export" icon={<DownloadOutlined />} loading={busy} disabled={disabled} onClick={run} title={what === "cohorts" ? t.exportCohortsCsv : t.exportChurnCsv}>
      {t.churnExportCsv}
    </Button>
  );
}
