import { Button, Tabs, Typography } from "antd";
import { useState } from "react";
import { api } from "../api/client";
import type { MomentPost } from "../api/moments";
import { unwrap } from "../api/problem";
import { useLang } from "../i18n";
import { useAsync } from "../useAsync";
import { MomentCalendar } from "./moments/MomentCalendar";
import { PostDrawer } from "./moments/PostDrawer";
import { PostForm } from "./moments/PostForm";
import { PostList } from "./moments/PostList";
import { SettingsPanel } from "./moments/SettingsPanel";

/**
 * 朋友圈: the calendar of the posts' runs and the list (cursor pages, by state); 新建 with the phone
 * preview and the plan before anything is scheduled; a post's detail, edit, cancel and results; the
 * corp's per-customer setting.
 */
export default function Moments() {
  const { t } = useLang();
  // bumped after a change: the calendar, the list and the open post read again
  const [version, setVersion] = useState(0);
  const [open, setOpen] = useState<string | undefined>();
  const [editing, setEditing] = useState<{ post?: MomentPost } | undefined>();
  const settings = useAsync(async () => unwrap(await api.GET("/v1/moments/settings")), [version]);
  const changed = () => setVersion((v) => v + 1);

  return (
    <>
      <Typography.Title level={3}>{t.moments}</Typography.Title>
      <Tabs
        tabBarExtraContent={
          <Button type="primary" onClick={() => setEditing({})} data-testid="moment-new">
            {t.momentNew}
          </Button>
        }
        items={[
          { key: "calendar", label: <span data-testid="moment-calendar-tab">{t.momentCalendar}</span>, children: <MomentCalendar version={version} onOpen={setOpen} /> },
          { key: "list", label: <span data-testid="moment-list-tab">{t.momentList}</span>, children: <PostList version={version} onOpen={setOpen} /> },
          { key: "settings", label: <span data-testid="moment-settings-tab">{t.momentSettings}</span>, children: <SettingsPanel settings={settings} /> },
        ]}
      />
      {open && <PostDrawer postId={open} version={version} onEdit={(post) => setEditing({ post })} onChanged={changed} onClose={() => setOpen(undefined)} />}
      {editing && (
        <PostForm
          {...(editing.post ? { post: editing.post } : {})}
          customerPostsPerDay={settings.data?.customerPostsPerDay}
          onClose={(done) => {
            setEditing(undefined);
            if (done) changed();
          }}
        />
      )}
    </>
  );
}
