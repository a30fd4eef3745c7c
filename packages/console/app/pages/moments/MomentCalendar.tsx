import { Badge, Button, Calendar, Typography } from "antd";
import { useState } from "react";
import type { MomentPost } from "../../api/moments";
import { useLang } from "../../i18n";
import { Loadable } from "../../States";
import { useAsync } from "../../useAsync";
import { corpDayOf, scheduleDays } from "./corpTime";
import { postStateLabel } from "./labels";
import { usePickerLocale } from "./pickerLocale";
import { allPosts } from "./usePosts";

const badge = { scheduled: "processing", running: "warning", finished: "success", cancelled: "default" } as const;

/** The month of the posts' runs, day by day (a daily post on each of its days); a click opens the post. */
export function MomentCalendar({ version, onOpen }: { version: number; onOpen(postId: string): void }) {
  const { t } = useLang();
  const locales = usePickerLocale();
  const posts = useAsync(allPosts, [version]);
  // the month shown: the weeks antd draws start before it and end after it
  const [month, setMonth] = useState(() => corpDayOf(new Date()).slice(0, 7));
  const first = `${month}-01`;
  const last = `${month}-31`;
  return (
    <Loadable {...posts} reload={posts.reload}>
      {(list) => {
        const byDay = new Map<string, { post: MomentPost; time: string }[]>();
        for (const post of list) for (const d of scheduleDays(post.schedule, post.createdAt, shiftDays(first, -7), shiftDays(last, 14))) byDay.set(d.day, [...(byDay.get(d.day) ?? []), { post, time: d.time }]);
        return (
          <div data-testid="moment-calendar">
            {![...byDay.keys()].some((d) => d.startsWith(month)) && <Typography.Text type="secondary">{t.momentNoneThisMonth}</Typography.Text>}
            <Calendar
              {...locales.calendar}
              onPanelChange={(d) => setMonth(d.format("YYYY-MM"))}
              cellRender={(current, info) => {
                if (info.type !== "date") return info.originNode;
                const day = current.format("YYYY-MM-DD");
                const items = (byDay.get(day) ?? []).sort((a, b) => (a.time < b.time ? -1 : 1));
                return (
                  <ul style={{ listStyle: "none", margin: 0, padding: 0 }} data-testid={`moment-day-${day}`}>
                    {items.map(({ post, time }) => (
                      <li key={`${post.postId}-${time}`}>
                        <Button
                          type="link"
                          size="small"
                          style={{ padding: 0, height: "auto" }}
                          onClick={(e) => {
                            e.stopPropagation();
                            onOpen(post.postId);
                          }}
                          title={postStateLabel(t, post.state)}
                          data-testid="moment-calendar-item"
                        >
                          <Badge status={badge[post.state]} text={`${time} ${post.name}`} style={{ fontSize: 12, whiteSpace: "nowrap" }} />
                        </Button>
                      </li>
                    ))}
                  </ul>
                );
              }}
            />
          </div>
        );
      }}
    </Loadable>
  );
}

function shiftDays(day: string, n: number): string {
  const d = new Date(`${day.slice(0, 8)}01T00:00:00Z`);
  d.setUTCDate(Number(day.slice(8)) + n);
  return d.toISOString().slice(0, 10);
}
