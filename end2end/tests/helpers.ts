import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import AxeBuilder from "@axe-core/playwright";

/** Waits until the page has hydrated (the app marks <body>). */
export async function ready(page: Page) {
  await expect(page.locator("body[data-hydrated=true]")).toHaveCount(1);
}

/** Profile → Sessions: "Log Out Other Sessions", confirmed in its dialog. */
export async function logOutOtherSessions(page: Page) {
  await page.goto("/profile/sessions");
  await ready(page);
  await page.getByRole("button", { name: "Log Out Other Sessions" }).click();
  await page
    .getByRole("dialog", { name: "Log out other sessions?" })
    .getByRole("button", { name: "Log Out Other Sessions" })
    .click();
}

/** Fails on serious or critical accessibility violations. */
export async function axe(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  expect(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
  ).toEqual([]);
}

export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** The password every end-to-end account uses. */
export const PASSWORD = "orbit lantern pepper 42";

/** Signs a new account up through the form; lands on the hydrated home page. */
export async function signUp(page: Page, name: string, email = uniqueEmail(name.split(" ")[0].toLowerCase())) {
  await page.goto("/signup");
  await ready(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  return email;
}

/** Runs the server's command line on the suite's database (`timether workspace …`). */
export function cli(...args: string[]) {
  const dir = process.env.TIMETHER_E2E_DATA_DIR!;
  return execFileSync(process.env.TIMETHER_BIN ?? "./target/release/timether", args, {
    cwd: "..",
    encoding: "utf8",
    env: { ...process.env, TIMETHER_DATA_DIR: dir, TIMETHER_DATABASE_URL: `sqlite://${dir}/e2e.db?mode=rwc` },
  });
}

/** The id of the workspace the page is in (the switcher's choice). */
export async function workspaceId(page: Page) {
  return page.locator("#workspace-switcher").inputValue();
}
