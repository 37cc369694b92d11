import { test, expect, Page } from "@playwright/test";
import { axe, cli, logOutOtherSessions, ready, signUp, uniqueEmail, workspaceId, PASSWORD } from "./helpers";

async function track(page: Page, description: string) {
  await page.getByLabel("What are you working on?").fill(description);
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible();
}

test("filters live in the address: reload, Back and a bookmark keep them", async ({ page }) => {
  await signUp(page, "Flo Filters");
  await page.goto("/tags");
  await ready(page);
  await page.getByLabel("Tag name").fill("ops");
  await page.getByRole("button", { name: "Add tag" }).click();
  await expect(page.locator(".tag-name", { hasText: "#ops" })).toBeVisible();

  await page.goto("/reports");
  await ready(page);
  await page.getByLabel("Period").selectOption("last-month");
  await page.getByLabel("Billable").selectOption("yes");
  await expect(page).toHaveURL(/\/reports\?period=last-month&billable=true$/);
  await page.reload();
  await ready(page);
  await expect(page.getByLabel("Period")).toHaveValue("last-month");
  await expect(page.getByLabel("Billable")).toHaveValue("yes");
  await expect(page.getByRole("heading", { level: 2 }).first()).toBeVisible();

  await page.goto("/entries");
  await ready(page);
  await page.getByLabel("From").fill("2026-11-01");
  await page.getByLabel("From").dispatchEvent("change");
  await expect(page).toHaveURL(/\/entries\?from=2026-11-01$/);
  await page.getByRole("link", { name: "Reports" }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await ready(page);
  await expect(page.getByLabel("Period")).toHaveValue("this-week");
  await page.goBack();
  await ready(page);
  await expect(page).toHaveURL(/\/entries\?from=2026-11-01$/);
  await expect(page.getByLabel("From")).toHaveValue("2026-11-01");
  await expect(page.getByRole("button", { name: "Clear filters" })).toBeVisible();

  // A bookmark with a broken value opens the page, not an error.
  await page.goto("/reports?period=fortnight&project_id=nope");
  await ready(page);
  await expect(page.getByLabel("Period")).toHaveValue("this-week");
});

test("signing out goes to sign-in with no way back, even when live updates hear of it first", async ({ page }) => {
  await signUp(page, "Sid Signout");
  await page.goto("/reports");
  await ready(page);
  // The answer to the sign-out is held back: the live stream learns first
  // that the session is over (once this raced and a reload added `next`).
  await page.route("**/rpc/sign_out", async (route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, 1500));
    await route.fulfill({ response });
  });
  await page.locator("summary.user-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await ready(page);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("signing in returns to the page asked for; a revoked session says so", async ({ page, browser }) => {
  const email = uniqueEmail("return");
  await signUp(page, "Ria Return", email);
  const base = new URL(page.url()).origin;

  // Another browser opens a deep page while signed out.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto(`${base}/reports?period=last-month`);
  await expect(other).toHaveURL(/\/signin\?next=/);
  await ready(other);
  await expect(other).toHaveTitle("Sign in · Timether");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Sign in" }).click();
  await expect(other).toHaveURL(/\/reports\?period=last-month$/);
  await ready(other);
  await expect(other.getByLabel("Period")).toHaveValue("last-month");

  // This browser logs the other out; the other's page goes to sign-in on
  // its own (live updates), saying why and keeping where it was.
  await logOutOtherSessions(page);
  await expect(page.getByText(/1 other session/)).toBeVisible();
  await expect(other).toHaveURL(/\/signin\?next=%2Freports%3Fperiod%3Dlast-month&ended=revoked$/);
  await ready(other);
  await expect(other.getByText("this session was revoked from another device")).toBeVisible();
  await axe(other);
  await otherContext.close();
});

test("the title is there before a lazy page's code arrives", async ({ page }) => {
  await signUp(page, "Tia Title");
  // Lazy pages' chunks arrive 3 s late; the main bundle does not.
  await page.route(/\/pkg\/split_.*\.wasm$/, async (route) => {
    await new Promise((r) => setTimeout(r, 3000));
    await route.continue();
  });
  await page.locator("summary.user-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await ready(page);
  expect(await page.title()).toBe("Sign in · Timether");
  await page.unrouteAll({ behavior: "ignoreErrors" });
});

test("member, role, plan and token changes ask first and report in a toast", async ({ page, browser }) => {
  const friend = uniqueEmail("friend");
  const friendPage = await (await browser.newContext()).newPage();
  await signUp(friendPage, "Fred Friend", friend);
  await friendPage.context().close();

  await signUp(page, "Olga Owner");
  await page.goto("/settings/workspace/members");
  await ready(page);
  await page.getByLabel("Email").fill(friend);
  await page.getByRole("button", { name: "Add member" }).click();
  const ask = page.getByRole("dialog");
  await expect(ask).toHaveAccessibleName(`Add ${friend} as Member?`);
  await expect(ask).toContainText("Members track their own time");
  await axe(page);
  await ask.getByRole("button", { name: "Add member" }).click();
  await expect(page.locator(".toast", { hasText: `Added ${friend} as Member.` })).toBeVisible();
  const row = page.getByRole("row", { name: /Fred Friend/ });
  await expect(row).toBeVisible();

  await row.getByLabel("Role of Fred Friend").selectOption("Admin");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(ask).toHaveAccessibleName("Make Fred Friend an Admin?");
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(ask).toBeHidden();
  await row.getByRole("button", { name: "Change role" }).click();
  await ask.getByRole("button", { name: "Change role" }).click();
  await expect(page.locator(".toast", { hasText: "Fred Friend is now an Admin." })).toBeVisible();

  await row.getByRole("button", { name: "Remove Fred Friend" }).click();
  await expect(ask).toHaveAccessibleName("Remove Fred Friend?");
  await ask.getByRole("button", { name: "Remove member" }).click();
  await expect(page.locator(".toast", { hasText: "Removed Fred Friend from the workspace." })).toBeVisible();
  await expect(row).toHaveCount(0);

  // Up to Team, then down again: the downgrade says what stops working.
  await page.goto("/settings/workspace/plan");
  await ready(page);
  await page.getByLabel("Plan", { exact: true }).selectOption("Team");
  await page.getByRole("button", { name: "Change plan" }).click();
  await ask.getByRole("button", { name: "Change plan" }).click();
  await expect(page.locator(".toast", { hasText: "The plan is now Team." })).toBeVisible();
  await page.getByLabel("Plan", { exact: true }).selectOption("Free");
  await page.getByRole("button", { name: "Change plan" }).click();
  await expect(ask).toHaveAccessibleName("Change the plan from Team to Free?");
  await expect(ask).toContainText("API tokens stop working");
  await axe(page);
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(page.locator(".badge-accent", { hasText: "Team" })).toBeVisible();
});

test("read-only billing disables write controls and says why; errors never grow the top bar", async ({ page }) => {
  await signUp(page, "Rob Readonly");
  await track(page, "Before the bill");
  const bar = page.locator("header.topbar");
  const height = (await bar.boundingBox())!.height;

  // Read-only while this page is open: Start fails, under the bar.
  const ws = await workspaceId(page);
  cli("workspace", "set-billing", ws, "read-only");
  await page.getByLabel("What are you working on?").fill("After the bill");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.locator(".timer-error")).toContainText("read-only");
  expect((await bar.boundingBox())!.height).toBe(height);

  // Opened again, the controls are disabled with the reason.
  await page.reload();
  await ready(page);
  await expect(page.getByRole("button", { name: "Start" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Add time manually" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Edit “Before the bill”" })).toBeDisabled();
  await page.goto("/clients");
  await ready(page);
  await expect(page.getByRole("button", { name: "Add client" })).toBeDisabled();
  await expect(page.locator(".read-only-note")).toContainText("Read-only until this workspace's billing is resolved");
  await axe(page);
  cli("workspace", "set-billing", ws, "active");
  await page.reload();
  await ready(page);
  await expect(page.getByRole("button", { name: "Add client" })).toBeEnabled();
});

test("the same toast twice shows once", async ({ page }) => {
  await signUp(page, "Tom Toast");
  await track(page, "One");
  await track(page, "Two");
  await expect(page.locator(".toast", { hasText: "Time entry saved." })).toHaveCount(1);
});

test("a typed timer description survives a reload; a half-edited entry asks before leaving", async ({ page }) => {
  await signUp(page, "Dee Draft");
  await page.getByLabel("What are you working on?").fill("Half a thought");
  await page.reload();
  await ready(page);
  await expect(page.getByLabel("What are you working on?")).toHaveValue("Half a thought");
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByLabel("What are you working on?")).toHaveValue("");
  await page.reload();
  await ready(page);
  await expect(page.getByLabel("What are you working on?")).toHaveValue("");

  await page.getByRole("button", { name: "Edit “Half a thought”" }).click();
  const description = page.locator(".entry-form").getByLabel("Description");
  await description.fill("Half a thought, edited");
  // Reloading or closing the tab: the browser asks (the page cancels beforeunload).
  const asked = await page.evaluate(() => {
    const ev = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(ev);
    return ev.defaultPrevented;
  });
  expect(asked).toBe(true);
  // A link inside the app: the product's dialog.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  const leave = page.getByRole("dialog", { name: "Discard your changes?" });
  await expect(leave).toBeVisible();
  await axe(page);
  await leave.getByRole("button", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(description).toHaveValue("Half a thought, edited");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await leave.getByRole("button", { name: "Discard changes" }).click();
  await expect(page).toHaveURL(/\/reports/);
});

test("what is typed before the app loads stays: the timer, a client's name", async ({ page }) => {
  await signUp(page, "Sly Slow");
  // The browser bundle arrives 2.5 s late, as on a slow connection.
  await page.route("**/*.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.continue();
  });
  await page.goto("/clients");
  await page.getByLabel("What are you working on?").fill("Typed early");
  await page.getByLabel("Client name").fill("Early Corp");
  // Until the page can handle it, the form cannot be sent: sent natively
  // it would load the page again and lose what was typed.
  await expect(page.getByRole("button", { name: "Add client" })).toBeDisabled();
  await page.getByLabel("Client name").press("Enter");
  await ready(page);
  await expect(page.getByLabel("What are you working on?")).toHaveValue("Typed early");
  await expect(page.getByLabel("Client name")).toHaveValue("Early Corp");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByRole("cell", { name: "Early Corp", exact: true })).toBeVisible();
  await expect(page.getByLabel("Client name")).toHaveValue("");

  // A project's name and rate, and a date filter, typed early.
  await page.goto("/projects");
  await page.getByLabel("Project name").fill("Early project");
  await page.getByLabel(/Hourly rate/).fill("95");
  await expect(page.getByRole("button", { name: "Add project" })).toBeDisabled();
  await page.getByLabel(/Hourly rate/).press("Enter");
  await ready(page);
  await expect(page.getByLabel("Project name")).toHaveValue("Early project");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByRole("cell", { name: /Early project/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Early project/ })).toContainText("95");
  await page.goto("/entries");
  await page.getByLabel("From").fill("2026-11-01");
  await ready(page);
  await expect(page.getByLabel("From")).toHaveValue("2026-11-01");
  await expect(page).toHaveURL(/\/entries\?from=2026-11-01$/);
  await page.unrouteAll({ behavior: "ignoreErrors" });
});
