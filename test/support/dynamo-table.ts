import { randomBytes } from "node:crypto";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { createTable } from "@siyu/local/services";
import { setDocumentClient } from "@siyu/store";
import type { ServiceManifest } from "@siyu/manifest";
import { inject } from "vitest";

/**
 * A DynamoDB Local client for store-level tests (the integration project's global setup started
 * DynamoDB Local), installed as the store's shared document client, and fresh tables of one service.
 */
export function useDynamo(manifest: ServiceManifest) {
  const raw = new DynamoDBClient({ endpoint: inject("siyuDynamoEndpoint"), region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  setDocumentClient(doc);
  const created: string[] = [];
  return {
    raw,
    doc,
    /** A new, empty table built from the service manifest, as the local platform builds it. */
    async table(): Promise<string> {
      const name = `${manifest.name}-${randomBytes(5).toString("hex")}`;
      await createTable(raw, name, manifest, () => undefined);
      created.push(name);
      return name;
    },
    /** One item by key (consistent read). */
    async get(table: string, key: { pk: string; sk: string }): Promise<Record<string, any> | undefined> {
      return (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
    },
    /** Write an item as is (a test's stand-in for a handler's own write). */
    async put(table: string, item: Record<string, unknown>): Promise<void> {
      await doc.send(new PutCommand({ TableName: table, Item: item }));
    },
    /** Every item of a test table (a Scan is fine in a test). */
    async items(table: string): Promise<Record<string, any>[]> {
      const out: Record<string, any>[] = [];
      let start: Record<string, any> | undefined;
      do {
        const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
        out.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },
    async close(): Promise<void> {
      await Promise.all(created.splice(0).map((t) => raw.send(new DeleteTableCommand({ TableName: t })).catch(() => undefined)));
      setDocumentClient(undefined);
      doc.destroy();
    },
  };
}
