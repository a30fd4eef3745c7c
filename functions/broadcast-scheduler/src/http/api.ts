import { http } from "@siyu/lambda-kit";
import manifest from "../../service.ts";
import {
  cancelBroadcast,
  createBroadcast,
  getBroadcast,
  getBroadcastSettings,
  listBroadcasts,
  listRecipients,
  previewBroadcast,
  previewCampaign,
  putBroadcastSettings,
  remindBroadcast,
  syncBroadcast,
  updateBroadcast,
} from "./broadcasts.ts";
import { problemOf } from "./problems.ts";

export const handler = http(
  manifest,
  {
    createBroadcast,
    listBroadcasts,
    previewBroadcast,
    getBroadcastSettings,
    putBroadcastSettings,
    getBroadcast,
    updateBroadcast,
    cancelBroadcast,
    previewCampaign,
    remindBroadcast,
    syncBroadcast,
    listRecipients,
  },
  { problemOf },
);
