import { defineService } from "@siyu/manifest";

/** Fixture: a service that declares blob storage (the default 10 MiB upload ceiling). */
export default defineService({
  name: "media",
  description: "Local platform fixture: uploads media through signed URLs and reads it back.",
  table: { partitionKey: "pk" },
  http: {
    entry: "src/http.ts",
    routes: [
      { method: "POST", path: "/v1/uploads", auth: "public", name: "uploadUrl" },
      { method: "GET", path: "/v1/blob", auth: "public", name: "readBlob" },
      { method: "PUT", path: "/v1/blob", auth: "public", name: "writeBlob" },
    ],
  },
  blobs: {},
});
