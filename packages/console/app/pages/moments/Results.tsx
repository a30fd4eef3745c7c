import { DownloadOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Card, Col, Progress, Row, Statistic, Table, Tag, Typography } from "antd";
import { accessToken, api } from "../../api/client";
import type { MomentDetail, MomentStats, RunDetail, RunResults } from "../../api/moments";
import { unwrap } from "../../api/problem";
import { useLang } from "../../i18n";
import { describe, Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { shortTime } from "./corpTime";
import { runStateColor, runStateLabel } from "./labels";

interface StaffRow {
  userId: string;
  published: boolean;
  reached?: number;
  likes?: number;
  comments?: number;
  losses?: number;
}

interface RunRow {
  run: RunDetail;
  results: RunResults | undefined;
}

/** Per staff across runs: the collected results when there are any, the live tracking otherwise. */
function staffRows(detail: MomentDetail, stats: MomentStats): StaffRow[] {
  const rows = new Map<string, StaffRow>();
  if (stats.runs.length > 0) {
    for (const s of stats.runs.flatMap((r) => r.staff)) {
      const row = rows.get(s.userId) ?? { userId: s.userId, published: false, reached: 0, likes: 0, comments: 0, losses: 0 };
      rows.set(s.userId, { userId: s.userId, published: row.published || s.published, reached: row.reached! + s.reached, likes: row.likes! + s.likes, comments: row.comments! + s.comments, losses: row.losses! + s.losses });
    }
  } else {
    for (const s of detail.runDetails.flatMap((r) => r.staffStatus)) rows.set(s.userId, { userId: s.userId, published: (rows.get(s.userId)?.published ?? false) || s.published });
  }
  return [...rows.values()];
}

/** 结果: staff published / total, customers reached, likes, comments, losses within 7 days; per staff and per run; the CSV. */
export function Results({ detail }: { detail: MomentDetail }) {
  const { t } = useLang();
  const { message } = AntApp.useApp();
  const stats = useAsync(async () => unwrap(await api.GET("/v1/moments/{postId}/stats", { params: { path: { postId: detail.postId } } })), [detail]);

  const download = async () => {
    try {
      const res = await fetch(`/v1/moments/${encodeURIComponent(detail.postId)}/stats`, { headers: { accept: "text/csv", authorization: `Bearer ${await accessToken()}` } });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await res.blob());
      a.download = `moment-${detail.postId}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    } catch (err) {
      message.error(describe(err));
    }
  };

  return (
    <Loadable {...stats}>
      {(s) => {
        const collected = s.totals.runsWithResults > 0;
        const tracked = detail.runDetails.reduce((n, r) => ({ published: n.published + r.staff.published, total: n.total + r.staff.total }), { published: 0, total: 0 });
        const staff = collected ? { published: s.totals.staffPublished, total: s.totals.staffTotal } : tracked;
        const byAt = new Map(s.runs.map((r) => [r.at, r]));
        return (
          <div data-testid="moment-results">
            {!collected && <Alert type="info" showIcon title={t.resultsPending} style={{ marginBottom: 16 }} />}
            <Row gutter={16} style={{ marginBottom: 16 }}>
              <Col span={8}>
                <Card size="small" title={t.staffPublished}>
                  <div data-testid="moment-published">
                    <Progress type="circle" size={96} percent={staff.total === 0 ? 0 : Math.round((staff.published / staff.total) * 100)} format={() => `${staff.published}/${staff.total}`} />
                  </div>
                </Card>
              </Col>
              <Col span={16}>
                <Card size="small">
                  <Row gutter={16}>
                    <Col span={6}>
                      <div data-testid="moment-reached">
                        <Statistic title={t.customersReached} value={s.totals.reached} />
                      </div>
                    </Col>
                    <Col span={6}>
                      <Statistic title={t.likes} value={s.totals.likes} />
                    </Col>
                    <Col span={6}>
                      <Statistic title={t.comments} value={s.totals.comments} />
                    </Col>
                    <Col span={6}>
                      <Statistic title={t.lossesIn7Days} value={s.totals.losses} />
                    </Col>
                  </Row>
                  <Button icon={<DownloadOutlined />} onClick={download} style={{ marginTop: 16 }} data-testid="moment-csv">
                    {t.downloadCsv}
                  </Button>
                </Card>
              </Col>
            </Row>
            <Typography.Title level={5}>{t.staffStatus}</Typography.Title>
            <Table<StaffRow>
              size="small"
              rowKey="userId"
              pagination={false}
              dataSource={staffRows(detail, s)}
              data-testid="moment-staff-table"
              columns={[
                { title: t.momentStaff, dataIndex: "userId" },
                { title: t.momentState, render: (_, r) => (r.published ? <Tag color="green">{t.published}</Tag> : <Tag>{t.notPublished}</Tag>) },
                { title: t.customersReached, render: (_, r) => r.reached ?? "—" },
                { title: t.likes, render: (_, r) => r.likes ?? "—" },
                { title: t.comments, render: (_, r) => r.comments ?? "—" },
                { title: t.lossesIn7Days, render: (_, r) => r.losses ?? "—" },
              ]}
            />
            <Typography.Title level={5} style={{ marginTop: 16 }}>
              {t.perRun}
            </Typography.Title>
            <Table<RunRow>
              size="small"
              rowKey={(r) => r.run.at}
              pagination={detail.runDetails.length > 10 ? { pageSize: 10, size: "small" } : false}
              dataSource={detail.runDetails.map((run) => ({ run, results: byAt.get(run.at) }))}
              columns={[
                { title: t.runAt, render: (_, r) => shortTime(r.run.at) },
                { title: t.momentState, render: (_, r) => <Tag color={runStateColor(r.run.state)}>{runStateLabel(t, r.run.state)}</Tag> },
                { title: t.staffPublished, render: (_, r) => (r.results ? `${r.results.staffPublished}/${r.results.staffTotal}` : `${r.run.staff.published}/${r.run.staff.total}`) },
                { title: t.customersReached, render: (_, r) => r.results?.reached ?? "—" },
                { title: t.likes, render: (_, r) => r.results?.likes ?? "—" },
                { title: t.comments, render: (_, r) => r.results?.comments ?? "—" },
                { title: t.lossesIn7Days, render: (_, r) => r.results?.losses ?? "—" },
              ]}
            />
          </div>
        );
      }}
    </Loadable>
  );
}
