import { test, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ready, signUp } from "./helpers";

test("Escape and a click outside close the account menu and tag pickers", async ({ page }) => {
  await signUp(page, "Kim Keys");

  // The account menu is named by what it shows (WCAG 2.5.3): its initials.
  const account = page.locator("summary.user-menu-button");
  await expect(account).toHaveAccessibleName("KK Kim Keys, account menu");
  const mismatch = await new AxeBuilder({ page }).withRules(["label-content-name-mismatch"]).analyze();
  expect(mismatch.violations.map((v) => v.nodes.map((n) => n.target.join(" ")))).toEqual([]);

  await account.click();
  await expect(page.locator("details.user-menu[open]")).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(page.locator("details.user-menu[open]")).toHaveCount(0);
  await expect(account).toBeFocused();

  const picker = page.locator("#timer-tags");
  await picker.locator("summary").click();
  await expect(page.locator("#timer-tags[open]")).toHaveCount(1);
  await page.keyboard.press("Escape");
  await expect(page.locator("#timer-tags[open]")).toHaveCount(0);
  await expect(picker.locator("summary")).toBeFocused();

  await picker.locator("summary").click();
  await page.getByRole("heading", { level: 1, name: "Timer" }).click();
  await expect(page.locator("#timer-tags[open]")).toHaveCount(0);
  await account.click();
  await page.getByRole("heading", { level: 1, name: "Timer" }).click();
  await expect(page.locator("details.user-menu[open]")).toHaveCount(0);
});

test("the phone menu closes on navigation, Escape and a tap outside", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signUp(page, "Pat Phone");
  const menu = page.getByRole("button", { name: "Menu" });
  const nav = page.getByRole("navigation", { name: "Main" });

  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await nav.getByRole("link", { name: "Reports" }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();

  await menu.click();
  await expect(nav).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();

  await menu.click();
  await expect(nav).toBeVisible();
  await page.mouse.click(200, 700);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav).toBeHidden();
});

test("sign in starts in its first field and keeps what was typed before the app loaded", async ({ page }) => {
  // The browser bundle arrives 2.5 s late, as on a slow connection.
  await page.route("**/*.wasm", async (route) => {
    await new Promise((r) => setTimeout(r, 2500));
    await route.continue();
  });
  await page.goto("/signin");
  const email = page.getByLabel("Email");
  await expect(email).toBeFocused();
  await email.fill("early@example.com");
  await ready(page);
  await expect(email).toHaveValue("early@example.com");
  await page.unrouteAll({ behavior: "ignoreErrors" });
});

test("filters that match nothing say so", async ({ page }) => {
  await signUp(page, "Fay Filter");
  await page.getByLabel("What are you working on?").fill("Something");
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("button", { name: "Stop" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Time entries" }).click();
  await ready(page);
  await expect(page.getByText("Something").first()).toBeVisible();
  await page.locator("#filter-from").fill("2001-01-01");
  await page.locator("#filter-to").fill("2001-01-31");
  await page.locator("#filter-to").blur();
  await expect(page.getByRole("heading", { name: "No entries match these filters" })).toBeVisible();
  await expect(page.getByText("No time entries here yet")).toHaveCount(0);
});

test("the entry editor and Add time manually keep focus where the person is", async ({ page }) => {
  await signUp(page, "Eli Editor");
  const add = page.getByRole("button", { name: "Add time manually" });
  await add.click();
  const form = page.getByRole("form", { name: "Add time manually" });
  await expect(form.getByLabel("Description")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(form).toHaveCount(0);
  await expect(add).toBeFocused();

  await add.click();
  await form.getByLabel("Description").fill("Quiet delete");
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(form).toHaveCount(0);
  const row = page.getByRole("listitem").filter({ hasText: "Quiet delete" });
  // Delete is one click away but not a red button on every row.
  await expect(row.getByRole("button", { name: "Delete “Quiet delete”" })).not.toHaveClass(/btn-danger/);

  const edit = row.getByRole("button", { name: "Edit “Quiet delete”" });
  await edit.click();
  const editor = page.getByRole("form", { name: "Edit time entry" });
  await expect(editor.getByLabel("Description")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(editor).toHaveCount(0);
  await expect(edit).toBeFocused();
  await edit.click();
  await editor.getByLabel("Description").fill("Quiet delete, edited");
  await editor.getByRole("button", { name: "Save changes" }).click();
  await expect(editor).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit “Quiet delete, edited”" })).toBeFocused();
});

test("nothing scrolls sideways at 375 px, long names included", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await signUp(page, "Nia Narrow");
  const long = "Northwind " + "Consolidated Holdings ".repeat(4);
  const nav = page.getByRole("navigation", { name: "Main" });
  const wide = () => page.evaluate(() => document.documentElement.scrollWidth);

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Clients" }).click();
  await ready(page);
  await page.getByLabel("Client name").fill(long);
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByRole("cell", { name: long.trim(), exact: true })).toBeVisible();
  expect(await wide()).toBeLessThanOrEqual(375);

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Projects" }).click();
  await ready(page);
  await page.getByLabel("Project name").fill(long);
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByRole("cell", { name: long.trim(), exact: true })).toBeVisible();
  expect(await wide()).toBeLessThanOrEqual(375);

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Tags" }).click();
  await ready(page);
  await page.getByLabel("Tag name").fill("design");
  await page.getByRole("button", { name: "Add tag" }).click();

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Timer" }).click();
  await ready(page);
  expect(await wide()).toBeLessThanOrEqual(375);
  // The tag picker's list stays on the screen, its names whole.
  await page.locator("#timer-tags summary").click();
  const panel = page.locator("#timer-tags .picker-panel");
  await expect(panel.getByText("#design")).toBeVisible();
  const box = (await panel.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(375);
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Menu" }).click();
  await nav.getByRole("link", { name: "Reports" }).click();
  await ready(page);
  expect(await wide()).toBeLessThanOrEqual(375);
});
