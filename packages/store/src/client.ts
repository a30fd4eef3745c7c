import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

let shared: DynamoDBDocumentClient | undefined;

/**
 * One document client per container (connection reuse across invocations). The endpoint comes from
 * the SDK's own configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally), so code is the same everywhere.
 */
export function documentClient(): DynamoDBDocumentClient {
  shared ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return shared;
}

/** Replace the shared client (tests that point at a specific DynamoDB Local). */
export function setDocumentClient(client: DynamoDBDocumentClient | undefined): void {
  shared = client;
}
