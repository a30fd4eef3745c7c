// Entry of a consumer worker thread (see consumer-worker.ts): handlers are TypeScript, and loader hooks
// are per thread, so the worker registers tsx before it loads anything written in TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./consumer-worker.ts");
