import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { ensureConsoleBuilt } from "../../packages/local/src/console.ts";
import { REPO_ROOT } from "./platform.ts";

/**
 * The console's browser tests: Debian's Chromium (headless, driven by playwright-core) with a fresh
 * profile, zh-CN, 1280×800; screenshots under test/e2e/screenshots/ (the folder ignores itself).
 *
 * @example
 * await buildConsole();
 * const browser = useBrowser();
 * it("…", async () => { await browser.page.goto(`${platform.gatewayUrl}/console/`); await browser.shot("home"); });
 */
export const CHROMIUM = process.env.SIYU_CHROMIUM ?? "/usr/bin/chromium";
export const SHOTS = join(REPO_ROOT, "test", "e2e", "screenshots");

/** Build the console when its dist is stale; fail with how to install Chromium when it is missing. */
export async function buildConsole(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`console e2e: no Chromium at ${CHROMIUM}. Install it (apt-get install -y chromium fonts-noto-cjk; .ci/run does) or set SIYU_CHROMIUM.`);
  }
  await ensureConsoleBuilt(REPO_ROOT);
}

export interface BrowserSession {
  /** The one page of the test file (valid inside tests). */
  readonly page: Page;
  readonly context: BrowserContext;
  /** Full-page screenshot `test/e2e/screenshots/<name>.png`. */
  shot(name: string): Promise<Buffer>;
}

/** Launch Chromium before the file's tests and close it (and its profile) after them. */
export function useBrowser(): BrowserSession {
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let profile: string | undefined;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, ".gitignore"), "*\n");
    profile = mkdtempSync(join(tmpdir(), "siyu-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      locale: "zh-CN",
      viewport: { width: 1280, height: 800 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = context.pages()[0] ?? (await context.newPage());
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return {
    get page() {
      if (!page) throw new Error("useBrowser: the page exists inside tests only");
      return page;
    },
    get context() {
      if (!context) throw new Error("useBrowser: the context exists inside tests only");
      return context;
    },
    shot: (name) => {
      if (!page) throw new Error("useBrowser: the page exists inside tests only");
      return page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    },
  };
}
