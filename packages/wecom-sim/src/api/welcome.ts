import * as z from "zod";
import { type ApiRoute, attachmentsSchema, parse, post, textSchema } from "./route.ts";

/** send_welcome_msg (wecom-reference §4): 20 s window, single use, text ≤ 4000 bytes, ≤ 9 attachments. */
const schema = z.object({ welcome_code: z.string().optional(), text: textSchema, attachments: attachmentsSchema });

export const welcomeRoutes: ApiRoute[] = [
  post("externalcontact/send_welcome_msg", ({ world, body }) => {
    const input = parse(schema, body);
    world.welcome.send(input.welcome_code, input.text?.content, input.attachments ?? []);
    return {};
  }),
];
