import { contactWayRoutes } from "./contact-way.ts";
import { customerRoutes } from "./customers.ts";
import { groupChatRoutes } from "./groupchat.ts";
import { massMessageRoutes } from "./mass-messages.ts";
import { mediaRoutes } from "./media.ts";
import { messageRoutes } from "./message.ts";
import { momentRoutes } from "./moments.ts";
import type { ApiRoute } from "./route.ts";
import { statisticsRoutes } from "./statistics.ts";
import { tagRoutes } from "./tags.ts";
import { tokenRoutes } from "./token.ts";
import { transferRoutes } from "./transfer.ts";
import { userRoutes } from "./user.ts";
import { welcomeRoutes } from "./welcome.ts";

/** Every WeCom endpoint the simulator serves, one file per API area. */
export const apiRoutes: ApiRoute[] = [
  ...tokenRoutes,
  ...contactWayRoutes,
  ...welcomeRoutes,
  ...customerRoutes,
  ...tagRoutes,
  ...massMessageRoutes,
  ...mediaRoutes,
  ...momentRoutes,
  ...groupChatRoutes,
  ...statisticsRoutes,
  ...transferRoutes,
  ...messageRoutes,
  ...userRoutes,
];
