import { test, expect, Page } from "@playwright/test";
import { ready, signUp } from "./helpers";

/** Collects uncaught errors and console errors (a hydration panic shows here). */
function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  return errors;
}

// Pages with pickers and manager-only controls used to render them one way on
// the server (the catalogue and the person not loaded yet) and another in the
// browser, which broke hydration when the page was opened by its address in a
// workspace that has clients, projects and tags. Opening each page by link
// never showed it.
test("every page opened by its address hydrates in a workspace with data and a running timer", async ({ page }) => {
  await signUp(page, "Ada Address");

  await page.goto("/clients");
  await ready(page);
  await page.getByLabel("Client name").fill("Initech");
  await page.getByRole("button", { name: "Add client" }).click();
  await expect(page.getByRole("cell", { name: "Initech", exact: true })).toBeVisible();

  await page.goto("/projects");
  await ready(page);
  await page.getByLabel("Project name").fill("Printers");
  await page.getByLabel("Client", { exact: true }).selectOption({ label: "Initech" });
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByRole("cell", { name: "Printers", exact: true })).toBeVisible();

  await page.goto("/tags");
  await ready(page);
  await page.getByLabel("Tag name").fill("support");
  await page.getByRole("button", { name: "Add tag" }).click();
  await expect(page.locator(".tag-list").getByText("#support", { exact: true })).toBeVisible();

  // A running timer with the project, so the top bar has everything in it.
  await page.goto("/");
  await ready(page);
  await page.getByLabel("What are you working on?").fill("Fix the fax");
  await page.locator("#timer-project").selectOption({ label: "Printers" });
  await page.getByLabel("What are you working on?").press("Enter");
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();

  const errors = watchErrors(page);
  const pages: [string, string][] = [
    ["/", "Timer"],
    ["/entries", "Time entries"],
    ["/reports", "Reports"],
    ["/clients", "Clients"],
    ["/projects", "Projects"],
    ["/tags", "Tags"],
    ["/invoices", "Invoices"],
    ["/settings/workspace", "Workspace"],
    ["/profile", "Profile"],
  ];
  for (const [path, heading] of pages) {
    await page.goto(path);
    await ready(page);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(heading);
    // The top bar came back with the running timer and its project.
    await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
    await expect(page.locator("#timer-project")).toHaveValue(/[0-9a-f-]{36}/);
  }

  // Stopped, the timer's entry is filed under its project.
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible();

  // The pickers were rendered by the server with the catalogue and respond
  // after hydration: filtering the entries by the project keeps the entry.
  await page.goto("/entries");
  await ready(page);
  await expect(page.locator("#filter-project option", { hasText: "Printers" })).toHaveCount(1);
  await expect(page.locator("#filter-client option", { hasText: "Initech" })).toHaveCount(1);
  await page.locator("#filter-project").selectOption({ label: "Printers" });
  await expect(page.getByRole("button", { name: "Clear filters" })).toBeVisible();
  await expect(page.getByText("Fix the fax").first()).toBeVisible();

  // Owners see the management forms when the page is opened by address.
  await page.goto("/projects");
  await ready(page);
  await expect(page.getByRole("button", { name: "Add project" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit project Printers" })).toBeVisible();
  await page.goto("/invoices");
  await ready(page);
  await expect(page.locator("#invoice-client option", { hasText: "Initech" })).toHaveCount(1);

  expect(errors).toEqual([]);
});
