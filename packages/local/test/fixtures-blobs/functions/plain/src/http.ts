import { currentEnv, runtimeConfig } from "@siyu/lambda-kit";
import { blobStore } from "@siyu/store";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/** What a service without `blobs` gets: no SIYU_BLOB_* variables, and blobStore refuses. */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  let error: string | undefined;
  try {
    blobStore(runtimeConfig());
  } catch (err) {
    error = `${(err as Error).name}: ${(err as Error).message}`;
  }
  const blobEnv = Object.keys(currentEnv()).filter((k) => k.startsWith("SIYU_BLOB_"));
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ error, blobEnv }) };
}
