import { runtimeConfig } from "@siyu/lambda-kit";
import { BlobRequestError, blobStore, type UploadUrlOptions } from "@siyu/store";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** POST /v1/uploads → an upload URL; GET /v1/blob?key → head + bytes (base64); PUT /v1/blob?key&ct → server-side put. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const blobs = blobStore(runtimeConfig());
  const key = event.queryStringParameters?.key ?? "";
  try {
    switch (event.routeKey) {
      case "POST /v1/uploads":
        return json(200, await blobs.uploadUrl(JSON.parse(event.body ?? "{}") as UploadUrlOptions));
      case "GET /v1/blob": {
        const head = await blobs.head(key);
        const file = await blobs.get(key);
        if (!head || !file) return json(404, { key });
        return json(200, { head, contentType: file.contentType, base64: Buffer.from(file.bytes).toString("base64") });
      }
      case "PUT /v1/blob": {
        const bytes = Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
        await blobs.put(key, bytes, event.queryStringParameters?.ct ?? "application/octet-stream");
        return { statusCode: 204 };
      }
      default:
        return json(500, { error: `unexpected route ${event.routeKey}` });
    }
  } catch (err) {
    if (err instanceof BlobRequestError) return json(400, { error: err.message });
    throw err;
  }
}
