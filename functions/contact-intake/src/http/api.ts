import { http } from "@siyu/lambda-kit";
import manifest from "../../service.ts";
import { receiveCallback, verifyCallback } from "./callback.ts";
import { archiveChannel, channelLandingPage, createChannel, getChannelRoute, listChannelsRoute, updateChannelRoute } from "./channels.ts";
import { getCustomer, listCustomers } from "./customers.ts";
import { problemOf } from "./problems.ts";
import { createTagsRoute, listTags, syncTagsRoute } from "./tags.ts";
import { createTransferRoute, getTransferRoute, listTransfersRoute } from "./transfers.ts";

export const handler = http(manifest, {
  verifyCallback,
  receiveCallback,
  createChannel,
  listChannels: listChannelsRoute,
  getChannel: getChannelRoute,
  updateChannel: updateChannelRoute,
  archiveChannel,
  channelLandingPage,
  listCustomers,
  getCustomer,
  listTags,
  createTags: createTagsRoute,
  syncTags: syncTagsRoute,
  createTransfer: createTransferRoute,
  listTransfers: listTransfersRoute,
  getTransfer: getTransferRoute,
}, { problemOf });
