/**
 * A broadcast's content as the admin API accepts it, and its `add_msg_template` form (wecom-reference
 * §7): text ≤ 4000 UTF-8 bytes plus ≤ 9 attachments, not both empty; link title ≤ 128 B, url and
 * picurl ≤ 2048 B, desc ≤ 512 B; miniprogram title ≤ 64 B. WeCom counts bytes, so a CJK character
 * costs 3: the limits here are `@siyu/wecom`'s, checked the same way the client checks them.
 */
import { attachmentSchema, WECOM_LIMITS as L, type MessageAttachment, maxUtf8Bytes, type TextContent, toWecomAttachment } from "@siyu/wecom";
import * as z from "zod";

// the attachment form has one home, in @siyu/wecom (shared with group welcomes and moments)
export { type Attachment, attachmentSchema } from "@siyu/wecom";

const maxBytes = maxUtf8Bytes;

/** Text (≤ 4000 UTF-8 bytes) and/or up to 9 attachments, not both empty (§7). */
export const contentSchema = z
  .strictObject({
    text: z
      .string()
      .superRefine(maxBytes(L.textBytes))
      .transform((t) => (t.trim() === "" ? undefined : t))
      .optional(),
    attachments: z.array(attachmentSchema).max(L.attachments, `at most ${L.attachments} attachments (WeCom limit)`).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.text === undefined && c.attachments.length === 0) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "a broadcast needs text or at least one attachment" });
    }
  });
export type Content = z.output<typeof contentSchema>;

/** The `text` and `attachments` of an `add_msg_template` body. */
export function toWecomMessage(c: Content): { text?: TextContent; attachments?: MessageAttachment[] } {
  return {
    ...(c.text !== undefined && { text: { content: c.text } }),
    ...(c.attachments.length > 0 && { attachments: c.attachments.map(toWecomAttachment) }),
  };
}
