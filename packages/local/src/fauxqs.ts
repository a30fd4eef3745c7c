import { buildApp } from "fauxqs";

/**
 * fauxqs (SQS + SNS emulator) in this process.
 *
 * Why not `startFauxqs()`: it builds queue URLs as `http://sqs.<region>.localhost:<port>/…`. The AWS
 * SDK v3 SQS client sends every queue operation to the *queue URL's* host when it differs from its
 * endpoint (`useQueueUrlAsEndpoint`, on by default, and it logs a warning each time), and Node does
 * not resolve `*.localhost`. Handlers get the queue URLs from their environment and create their own
 * clients, so the URL itself must point at fauxqs. fauxqs derives the URL from the request's Host
 * header when its SQS store has no host configured; `buildApp` only lets us pass a store we built,
 * so we construct fauxqs's own store classes (from its dist folder, version pinned in package.json)
 * with the host unset. Queue URLs then read `http://127.0.0.1:<port>/000000000000/<name>`, the same
 * origin as AWS_ENDPOINT_URL_SQS.
 */

export interface FauxqsServerOptions {
  /** 0 or undefined: a random free port. */
  port?: number;
  host?: string;
}

export interface FauxqsServer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

interface Stores {
  sqsStore: { host?: string };
  snsStore: object;
  s3Store: object;
}

async function hostlessStores(): Promise<Stores> {
  const dist = new URL("../node_modules/fauxqs/dist/", import.meta.url);
  try {
    const [{ SqsStore }, { SnsStore }, { S3Store }] = (await Promise.all([
      import(new URL("sqs/sqsStore.js", dist).href),
      import(new URL("sns/snsStore.js", dist).href),
      import(new URL("s3/s3Store.js", dist).href),
    ])) as [{ SqsStore: new () => Stores["sqsStore"] }, { SnsStore: new () => object }, { S3Store: new () => object }];
    const sqsStore = new SqsStore();
    sqsStore.host = undefined;
    return { sqsStore, snsStore: new SnsStore(), s3Store: new S3Store() };
  } catch (err) {
    throw new Error(`cannot load fauxqs's stores from ${dist.pathname} (is fauxqs still 1.9.x?): ${(err as Error).message}`);
  }
}

export async function startFauxqsServer(opts: FauxqsServerOptions = {}): Promise<FauxqsServer> {
  const stores = await hostlessStores();
  const app = buildApp({ logger: false, stores: stores as never });
  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? "127.0.0.1" });
  const port = Number(new URL(address).port);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    const p = stopping ?? new Promise<void>((resolve, reject) => void app.close().then(() => resolve(), reject));
    stopping = p;
    return p;
  };
  return { endpoint: `http://127.0.0.1:${port}`, port, stop };
}
