/**
 * The two emulators alone, for callers that only need to start them (the test run's global setup):
 * a much lighter import than the whole platform.
 */
export { type DynamoLocal, type DynamoLocalOptions, launchDynamoLocal, startDynamoLocal } from "./dynamo.ts";
export { type FauxqsServer, type FauxqsServerOptions, startFauxqsServer } from "./fauxqs.ts";
export { createTable } from "./resources.ts";
