import { test, expect, Page } from "@playwright/test";
import { axe, ready, signUp } from "./helpers";

const PAGES = [
  "/",
  "/entries",
  "/reports",
  "/invoices",
  "/clients",
  "/projects",
  "/tags",
  "/settings/workspace",
  "/settings/workspace/members",
  "/settings/workspace/plan",
  "/settings/workspace/api",
  "/settings/workspace/data",
  "/developers/api",
  "/profile",
  "/profile/security",
  "/profile/sessions",
  "/workspaces/new",
  "/no-such-page",
];

/** Axe (serious and critical) once the page has settled, and nothing wider than the window. */
async function settledAndClean(page: Page, width: number) {
  await ready(page);
  await page.waitForLoadState("networkidle");
  await axe(page);
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scroll, `${page.url()} scrolls sideways at ${width} px`).toBeLessThanOrEqual(width);
}

for (const width of [1280, 375]) {
  test(`every page and dialog passes axe at ${width} px`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width, height: 900 });
    for (const path of ["/signin", "/signup"]) {
      await page.goto(path);
      await settledAndClean(page, width);
    }
    await signUp(page, `Axel W${width}`);
    // Some of everything, so tables and charts have rows.
    await page.goto("/clients");
    await ready(page);
    await page.getByLabel("Client name").fill("Acme Corp");
    await page.getByRole("button", { name: "Add client" }).click();
    await expect(page.getByRole("cell", { name: "Acme Corp", exact: true })).toBeVisible();
    await page.goto("/tags");
    await ready(page);
    await page.getByLabel("Tag name").fill("dev");
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.locator(".tag-name", { hasText: "#dev" })).toBeVisible();
    await page.goto("/");
    await ready(page);
    await page.getByLabel("What are you working on?").fill("Axe audit");
    await page.getByRole("button", { name: "Start" }).click();
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(page.getByRole("button", { name: "Start" })).toBeVisible();

    for (const path of PAGES) {
      await page.goto(path);
      await settledAndClean(page, width);
    }

    // Dialogs and the forms that open over a page.
    await page.goto("/");
    await ready(page);
    await page.getByRole("button", { name: "Add time manually" }).click();
    await expect(page.getByRole("form", { name: "Add time manually" })).toBeVisible();
    await settledAndClean(page, width);
    await page.getByRole("button", { name: "Edit “Axe audit”" }).click();
    await expect(page.getByRole("form", { name: "Edit time entry" })).toBeVisible();
    await settledAndClean(page, width);

    await page.goto("/clients");
    await ready(page);
    await page.getByRole("button", { name: "Delete client Acme Corp" }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await settledAndClean(page, width);
    await page.keyboard.press("Escape");

    await page.goto("/settings/workspace/members");
    await ready(page);
    await page.getByLabel("Email").fill("someone@example.com");
    await page.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await settledAndClean(page, width);
    await page.keyboard.press("Escape");

    await page.goto("/settings/workspace/data");
    await ready(page);
    await page.getByRole("button", { name: "Clear Workspace" }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await settledAndClean(page, width);
    await page.keyboard.press("Escape");

    await page.goto("/profile/sessions");
    await ready(page);
    await page.getByRole("button", { name: "Log Out Other Sessions" }).click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await settledAndClean(page, width);
    await page.keyboard.press("Escape");

    // The plan question, then the token shown once and its revoke question.
    await page.goto("/settings/workspace/plan");
    await ready(page);
    await page.getByLabel("Plan", { exact: true }).selectOption("Team");
    await page.getByRole("button", { name: "Change plan" }).click();
    const ask = page.getByRole("dialog", { name: "Change the plan from Free to Team?" });
    await expect(ask).toBeVisible();
    await settledAndClean(page, width);
    await ask.getByRole("button", { name: "Change plan" }).click();
    await expect(page.locator(".badge-accent", { hasText: "Team" })).toBeVisible();
    await page.goto("/settings/workspace/api");
    await settledAndClean(page, width);
    await page.getByLabel("Name").fill("Audit token");
    await page.getByRole("button", { name: "Create Token" }).click();
    const shown = page.getByRole("dialog", { name: "Copy your new token" });
    await expect(shown).toBeVisible();
    await settledAndClean(page, width);
    await shown.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Revoke Audit token" }).click();
    await expect(page.getByRole("dialog", { name: "Revoke “Audit token”?" })).toBeVisible();
    await settledAndClean(page, width);
    await page.keyboard.press("Escape");

    // Leaving a half-edited entry.
    await page.goto("/");
    await ready(page);
    await page.getByRole("button", { name: "Edit “Axe audit”" }).click();
    await page.locator(".entry-form").getByLabel("Description").fill("Axe audit, edited");
    if (width < 768) await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
    await expect(page.getByRole("dialog", { name: "Discard your changes?" })).toBeVisible();
    await settledAndClean(page, width);
  });
}
