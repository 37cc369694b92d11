import { test, expect } from "@playwright/test";
import { ready, signUp } from "./helpers";

// Timer open in two tabs of one person. A tab that is out of date must not
// stop what it cannot see: its Stop names the entry it shows. (Live updates
// keep tabs current; here they are cut off, as on a flaky network, so the
// tabs go stale.)
test("a stale tab's Stop stops nothing it should not, and says what runs", async ({ page, context }) => {
  await signUp(page, "Tess Tabs");
  await context.route("**/events", (route) => route.abort());
  await page.reload();
  await ready(page);
  const other = await context.newPage();
  await other.goto("/");
  await ready(other);

  await page.getByLabel("What are you working on?").fill("Tab A task");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();

  // The other tab still shows Start; starting there stops A's timer.
  await other.getByLabel("What are you working on?").fill("Tab B task");
  await other.getByRole("button", { name: "Start" }).click();
  await expect(other.getByRole("button", { name: "Stop" })).toBeVisible();

  // Stop in the first tab, which still shows "Tab A task".
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(
    page.locator(".toast", { hasText: "“Tab B task” is running now, started in another tab or on another device." }),
  ).toBeVisible();
  await expect(page.getByLabel("What are you working on?")).toHaveValue("Tab B task");
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();

  // Tab B's timer runs on.
  await other.reload();
  await ready(other);
  await expect(other.getByRole("button", { name: "Stop" })).toBeVisible();
  await expect(other.getByLabel("What are you working on?")).toHaveValue("Tab B task");

  // A tab brought back to the front asks again.
  await other.getByRole("button", { name: "Stop" }).click();
  await expect(other.getByRole("button", { name: "Start" })).toBeVisible();
  await page.bringToFront();
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible();
});
