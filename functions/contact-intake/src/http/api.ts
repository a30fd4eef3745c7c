import { http } from "@siyu/lambda-kit";
import manifest from "../../service.ts";
import { receiveCallback, verifyCallback } from "./callback.ts";
import { archiveChannel, channelLandingPage, createChannel, getChannelRoute, listChannelsRoute, updateChannelRoute } from "./channels.ts";

export const handler = http(manifest, {
  verifyCallback,
  receiveCallback,
  createChannel,
  listChannels: listChannelsRoute,
  getChannel: getChannelRoute,
  updateChannel: updateChannelRoute,
  archiveChannel,
  channelLandingPage,
});
