import { LinkOutlined, PictureOutlined, PlayCircleFilled } from "@ant-design/icons";
import { Avatar, Card, Image, Typography } from "antd";
import type React from "react";
import { useLang } from "../../i18n";
import type { MediaFile } from "./media";

/** What the phone shows: the form's content as the operator types it. */
export interface PreviewContent {
  sender?: string;
  text?: string;
  images: MediaFile[];
  video?: MediaFile;
  link?: { title?: string; url?: string; cover?: MediaFile };
}

const frame: React.CSSProperties = { width: 280, minHeight: 380, border: "10px solid #1f1f1f", borderRadius: 36, background: "#fff", overflow: "hidden", boxShadow: "0 6px 24px rgba(0,0,0,.15)" };
const bar: React.CSSProperties = { background: "#ededed", textAlign: "center", padding: "10px 0", fontWeight: 600, fontSize: 14 };
const tile: React.CSSProperties = { width: "100%", aspectRatio: "1", background: "#f0f0f0", display: "flex", alignItems: "center", justifyContent: "center", color: "#bfbfbf", overflow: "hidden" };

/** A WeChat-moments-looking card in a phone frame: avatar, name, text, the 3×3 grid / video / link card. */
export function PhonePreview({ content }: { content: PreviewContent }) {
  const { t } = useLang();
  const name = content.sender ?? t.previewStaff;
  return (
    <div style={frame} data-testid="moment-phone">
      <div style={bar}>{t.moments}</div>
      <div style={{ display: "flex", gap: 10, padding: 12 }} data-testid="moment-preview-card">
        <Avatar shape="square" size={40} style={{ background: "#576b95", flex: "none" }}>
          {[...name][0]}
        </Avatar>
        <div style={{ flex: 1, minWidth: 0 }}>
          <div style={{ color: "#576b95", fontWeight: 600 }}>{name}</div>
          {content.text && (
            <Typography.Paragraph style={{ margin: "4px 0 8px", whiteSpace: "pre-wrap", wordBreak: "break-word" }} data-testid="moment-preview-text">
              {content.text}
            </Typography.Paragraph>
          )}
          <Attachment content={content} />
          <div style={{ color: "#b2b2b2", fontSize: 12, marginTop: 8 }}>{t.previewJustNow}</div>
        </div>
      </div>
    </div>
  );
}

function Attachment({ content }: { content: PreviewContent }) {
  if (content.images.length > 0) {
    const cols = content.images.length === 1 ? 1 : content.images.length === 4 ? 2 : 3;
    return (
      <div style={{ display: "grid", gridTemplateColumns: `repeat(${cols}, 1fr)`, gap: 4, width: cols === 1 ? "70%" : cols === 2 ? "66%" : "100%" }} data-testid="moment-preview-images">
        {content.images.map((f) => (
          <div key={f.uid} style={tile}>
            {f.response?.src ? <Image src={f.response.src} preview={false} width="100%" height="100%" style={{ objectFit: "cover" }} alt="" /> : <PictureOutlined />}
          </div>
        ))}
      </div>
    );
  }
  if (content.video) {
    return (
      <div style={{ ...tile, width: "70%", aspectRatio: "3 / 4", background: "#262626", position: "relative" }} data-testid="moment-preview-video">
        {content.video.response?.src && <video src={content.video.response.src} muted style={{ width: "100%", height: "100%", objectFit: "cover" }} />}
        <PlayCircleFilled style={{ position: "absolute", fontSize: 40, color: "rgba(255,255,255,.9)" }} />
      </div>
    );
  }
  if (content.link) {
    const cover = content.link.cover?.response?.src;
    return (
      <Card size="small" styles={{ body: { display: "flex", gap: 8, padding: 6, background: "#f7f7f7" } }} data-testid="moment-preview-link">
        <div style={{ ...tile, width: 44, flex: "none" }}>{cover ? <Image src={cover} preview={false} width={44} height={44} style={{ objectFit: "cover" }} alt="" /> : <LinkOutlined />}</div>
        <Typography.Text ellipsis={{ tooltip: content.link.url }} style={{ alignSelf: "center" }}>
          {content.link.title || content.link.url}
        </Typography.Text>
      </Card>
    );
  }
  return null;
}
