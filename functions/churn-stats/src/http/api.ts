import { http } from "@siyu/lambda-kit";
import manifest from "../../service.ts";
import { getSettingsRoute, putSettingsRoute, requestRebuild } from "./settings.ts";
import { getChurn, getCohorts, getReconciliation } from "./stats.ts";

export const handler = http(manifest, {
  getChurn,
  getCohorts,
  getReconciliation,
  getSettings: getSettingsRoute,
  putSettings: putSettingsRoute,
  requestRebuild,
});
