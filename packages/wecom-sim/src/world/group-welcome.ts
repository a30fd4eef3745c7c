import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/**
 * Group welcome templates (入群欢迎语素材), used by Siyu's group live codes (DOMAIN §4). Not detailed
 * in wecom-reference; shapes follow the official page: text plus at most one of image / link /
 * miniprogram / file / video.
 */
interface GroupWelcomeTemplate {
  templateId: string;
  content: Record<string, unknown>;
  createdAt: number;
}

const ATTACHMENT_KEYS = ["image", "link", "miniprogram", "file", "video"] as const;

export class GroupWelcomeTemplates {
  private readonly templates = new Map<string, GroupWelcomeTemplate>();
  constructor(private readonly w: SimWorld) {}

  private validate(content: Record<string, unknown>): void {
    const text = (content.text as { content?: string } | undefined)?.content;
    const attachments = ATTACHMENT_KEYS.filter((k) => content[k] !== undefined);
    if (!text && attachments.length === 0) throw new WecomError(ERR.EMPTY_TEXT, "text and attachments are both empty");
    if (attachments.length > 1) throw new WecomError(ERR.INVALID_PARAMETER, `only one of ${ATTACHMENT_KEYS.join("/")} may be set`);
    if (text && Buffer.byteLength(text, "utf8") > 4000) {
      throw limitError(ERR.INVALID_PARAMETER, "group-welcome.text-4000-bytes", `text is ${Buffer.byteLength(text, "utf8")} bytes (max 4000)`);
    }
  }

  add(content: Record<string, unknown>): GroupWelcomeTemplate {
    this.validate(content);
    const t: GroupWelcomeTemplate = { templateId: this.w.ids.msgId(), content, createdAt: this.w.clock.nowMs() };
    this.templates.set(t.templateId, t);
    return t;
  }

  get(templateId: string | undefined): GroupWelcomeTemplate {
    const t = templateId ? this.templates.get(templateId) : undefined;
    if (!t) throw new WecomError(ERR.INVALID_PARAMETER, `template_id ${templateId ?? "(missing)"} not found`);
    return t;
  }

  edit(templateId: string | undefined, content: Record<string, unknown>): void {
    const t = this.get(templateId);
    this.validate(content);
    t.content = content;
  }

  delete(templateId: string | undefined): void {
    this.templates.delete(this.get(templateId).templateId);
  }

  all(): GroupWelcomeTemplate[] {
    return [...this.templates.values()];
  }
}
