import { ERR, limitError, WecomError } from "../errors.ts";
import type { SimWorld } from "./world.ts";

/**
 * Group welcome templates (入群欢迎语素材), used by Siyu's group live codes (DOMAIN §4). Shapes follow
 * the official page (document 92366): text ≤ 3000 bytes plus at most one of image / link /
 * miniprogram / file / video; the library holds at most 100 templates (41055). WeCom has no API that
 * binds a template to a group: the group's owner picks it in the client (群设置 → 入群欢迎语); the
 * `notify` flag of `add` only tells members a new template exists. The simulator models that
 * binding (`POST /_sim/group-welcome`, the owner's action) and delivers the bound template's current
 * content to every member who joins afterwards — so an edit reaches every group that uses it.
 */
interface GroupWelcomeTemplate {
  templateId: string;
  content: Record<string, unknown>;
  createdAt: number;
}

/** A joiner received the group's welcome (the template's content at that moment). */
export interface GroupWelcomeDelivery {
  chatId: string;
  externalUserId: string;
  templateId: string;
  content: Record<string, unknown>;
  at: number;
}

export const MAX_GROUP_WELCOME_TEMPLATES = 100;
const TEXT_MAX_BYTES = 3000;

const ATTACHMENT_KEYS = ["image", "link", "miniprogram", "file", "video"] as const;

export class GroupWelcomeTemplates {
  private readonly templates = new Map<string, GroupWelcomeTemplate>();
  /** chat id → the template its owner chose. */
  private readonly bindings = new Map<string, { templateId: string; by: string; at: number }>();
  readonly deliveries: GroupWelcomeDelivery[] = [];
  constructor(private readonly w: SimWorld) {}

  private validate(content: Record<string, unknown>): void {
    const text = (content.text as { content?: string } | undefined)?.content;
    const attachments = ATTACHMENT_KEYS.filter((k) => content[k] !== undefined);
    if (!text && attachments.length === 0) throw new WecomError(ERR.EMPTY_TEXT, "text and attachments are both empty");
    if (attachments.length > 1) throw new WecomError(ERR.INVALID_PARAMETER, `only one of ${ATTACHMENT_KEYS.join("/")} may be set`);
    if (text && Buffer.byteLength(text, "utf8") > TEXT_MAX_BYTES) {
      throw limitError(ERR.INVALID_PARAMETER, "group-welcome.text-3000-bytes", `text is ${Buffer.byteLength(text, "utf8")} bytes (max ${TEXT_MAX_BYTES})`);
    }
  }

  add(content: Record<string, unknown>): GroupWelcomeTemplate {
    this.validate(content);
    if (this.templates.size >= MAX_GROUP_WELCOME_TEMPLATES) {
      throw limitError(ERR.GROUP_WELCOME_TEMPLATE_LIMIT, "group-welcome.templates-100", `the corp already has ${MAX_GROUP_WELCOME_TEMPLATES} group welcome templates`);
    }
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

  /** The group's owner picks a template for the group in the client (no API does this). */
  bind(chatId: string, templateId: string, by: string): void {
    this.get(templateId);
    this.bindings.set(chatId, { templateId, by, at: this.w.clock.nowMs() });
  }

  bindingOf(chatId: string): { templateId: string; by: string; at: number } | undefined {
    return this.bindings.get(chatId);
  }

  allBindings(): { chatId: string; templateId: string; by: string; at: number }[] {
    return [...this.bindings].map(([chatId, b]) => ({ chatId, ...b }));
  }

  /** A member joined: the group's welcome goes out if its template still exists. */
  onJoin(chatId: string, externalUserId: string): void {
    const b = this.bindings.get(chatId);
    const t = b ? this.templates.get(b.templateId) : undefined;
    if (!b || !t) return;
    this.deliveries.push({ chatId, externalUserId, templateId: t.templateId, content: structuredClone(t.content), at: this.w.clock.nowMs() });
  }
}
