import { test, expect, Page } from "@playwright/test";
import { axe, ready, uniqueEmail } from "./helpers";

test("sign up, switch workspaces, sign out and back in", async ({ page }) => {
  const email = uniqueEmail("ada");
  const password = "orbit lantern pepper 42";

  await page.goto("/");
  await expect(page).toHaveURL(/\/signin$/);
  await ready(page);
  await axe(page);

  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await ready(page);
  await axe(page);

  // A too-short password gets a message next to the field.
  await page.getByLabel("Name").fill("Ada Lovelace");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "at least 8 characters" })).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Timer" })).toBeVisible();
  await expect(currentWorkspace(page)).toHaveText("Ada's workspace");
  await axe(page);

  // A second workspace, then switch back and forth.
  await page.locator("summary.user-menu-button").click();
  await page.getByRole("menuitem", { name: "New workspace" }).click();
  await ready(page);
  await axe(page);
  await page.getByLabel("Workspace name").fill("Client Work");
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/settings\/workspace$/);
  await ready(page);
  await expect(page.getByLabel("Workspace name")).toHaveValue("Client Work");
  await axe(page);

  const switcher = page.getByLabel("Workspace", { exact: true });
  await expect(switcher.locator("option")).toHaveCount(2);
  await switcher.selectOption({ label: "Ada's workspace" });
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  await expect(currentWorkspace(page)).toHaveText("Ada's workspace");
  // The switch reloads the page it is on ("/" again): wait for that load,
  // or the next goto races it (net::ERR_ABORTED, seen once in CI).
  const reloaded = page.waitForEvent("load");
  await page.getByLabel("Workspace", { exact: true }).selectOption({ label: "Client Work" });
  await reloaded;
  await ready(page);
  await expect(currentWorkspace(page)).toHaveText("Client Work");

  for (const path of ["/settings/workspace/members", "/settings/workspace/plan", "/profile", "/profile/security"]) {
    await page.goto(path);
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await axe(page);
  }

  // Sign out from the user menu.
  await page.locator("summary.user-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await ready(page);

  // Wrong password: one message, no hint which part was wrong.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not my password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The email or password is incorrect." })).toBeVisible();

  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Timer" })).toBeVisible();
});

function currentWorkspace(page: Page) {
  return page.getByLabel("Workspace", { exact: true }).locator("option:checked");
}
