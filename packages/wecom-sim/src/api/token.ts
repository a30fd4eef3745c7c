import { type ApiRoute, get } from "./route.ts";

/** access_token (wecom-reference §1). */
export const tokenRoutes: ApiRoute[] = [
  get("gettoken", ({ world, query }) => world.tokens.issue(query.get("corpid"), query.get("corpsecret")), false),
];
