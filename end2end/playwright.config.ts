import { defineConfig } from "@playwright/test";
import { execSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

// Debian's Chromium; Playwright never downloads a browser here.
const chromium = execSync("command -v chromium", { encoding: "utf8" }).trim();
// Workers load this file again: the folder is chosen once, by the main
// process, and reaches them (and the tests, which run the CLI on the same
// database) through the environment.
process.env.TIMETHER_E2E_DATA_DIR ??= path.join(os.tmpdir(), `timether-e2e-${Date.now()}`);
const dataDir = process.env.TIMETHER_E2E_DATA_DIR;
const port = 3000;

export default defineConfig({
  testDir: "./tests",
  globalTeardown: "./global-teardown.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Two files at a time, each test in order within its file: every test
  // signs up people of its own, so files do not share rows. On the 2-core
  // machine the suite took 4.1 min so against 5.8 min one at a time (two
  // clean runs each, 2026-12-05).
  fullyParallel: false,
  workers: 2,
  // One more try in CI (`.ci/run` sets CI), where the whole suite shares two
  // slow cores with nothing to spare: a timing race there shows as "flaky"
  // in the list and fails only if it fails twice. Locally, no retries.
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    },
  },
  webServer: {
    // The release build made by `make build-release` (`cargo leptos build --release --split`), on a fresh SQLite file.
    // The Makefile names the binary in TIMETHER_BIN (the build cache may live outside the checkout).
    command: `"${process.env.TIMETHER_BIN ?? "./target/release/timether"}" serve`,
    cwd: "..",
    url: `http://127.0.0.1:${port}/signin`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      TIMETHER_DATA_DIR: dataDir,
      TIMETHER_DATABASE_URL: `sqlite://${dataDir}/e2e.db?mode=rwc`,
      TIMETHER_AUTH_RATE_LIMIT_PER_MINUTE: "50",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    },
  },
});
