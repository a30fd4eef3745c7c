import { defineService } from "@siyu/manifest";

/** Fixture: a service without blob storage. */
export default defineService({
  name: "plain",
  description: "Local platform fixture: declares no blobs.",
  table: { partitionKey: "pk" },
  http: { entry: "src/http.ts", routes: [{ method: "GET", path: "/v1/plain", auth: "public", name: "plain" }] },
});
