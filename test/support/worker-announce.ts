// A consumer worker's setup module in tests (`isolateConsumers.setupModule`): says which thread loaded it.
import { BroadcastChannel, threadId } from "node:worker_threads";

const channel = new BroadcastChannel("siyu-test-worker-announce");
channel.postMessage({ threadId });
channel.close();
