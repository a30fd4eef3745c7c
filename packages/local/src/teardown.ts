import type { PlatformLogger } from "./log.ts";

/**
 * The platform's shutdown, in one fixed order whatever order things started in: schedules and
 * pollers first (their in-flight batches finish), then the gateway stops accepting, running handlers
 * get up to 10 s, then the gateway closes, then the simulator, the SDK clients, the process env,
 * fauxqs and DynamoDB Local (the handlers' last writes still reach them), and last a temporary blob folder.
 */
const ORDER = [
  "scheduler",
  "pollers",
  "gateway (accepting)",
  "running handlers",
  "gateway",
  "WeCom simulator",
  "SDK clients",
  "process env",
  "fauxqs",
  "DynamoDB Local",
  "blob folder",
] as const;

export type TeardownStep = (typeof ORDER)[number];

export class Teardown {
  private readonly steps = new Map<TeardownStep, () => unknown>();

  constructor(private readonly log: PlatformLogger) {}

  /** What stopping `step` takes; a phase registers it as soon as the thing it stops exists. */
  add(step: TeardownStep, stop: () => unknown): void {
    if (this.steps.has(step)) throw new Error(`teardown step ${step} registered twice`);
    this.steps.set(step, stop);
  }

  /** Run every registered step in ORDER, once; a step that fails is logged and the rest still run. */
  async run(): Promise<void> {
    for (const name of ORDER) {
      const stop = this.steps.get(name);
      if (!stop) continue;
      this.steps.delete(name);
      try {
        await stop();
      } catch (err) {
        this.log.error(`close: stopping ${name} failed`, err);
      }
    }
  }
}
