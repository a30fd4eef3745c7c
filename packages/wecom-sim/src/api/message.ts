import * as z from "zod";
import { type ApiRoute, intLike, parse, post } from "./route.ts";

/** Application messages to members (`/cgi-bin/message/send`), recorded for `GET /_sim/app-messages`. */
const schema = z.looseObject({
  touser: z.string().optional(),
  toparty: z.string().optional(),
  totag: z.string().optional(),
  msgtype: z.string().optional(),
  agentid: intLike.optional(),
});

export const messageRoutes: ApiRoute[] = [
  post("message/send", ({ world, body }) => {
    const result = world.appMessages.send(parse(schema, body));
    return { invaliduser: result.invaliduser, invalidparty: "", invalidtag: "", unlicenseduser: "", msgid: result.msgid };
  }),
];
