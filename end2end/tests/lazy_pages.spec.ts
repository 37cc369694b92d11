import { test, expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ready, signUp } from "./helpers";

/** Collects uncaught errors and console errors (a chunk that fails to load or link shows here). */
function watchErrors(page: Page) {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return errors;
}

/** Collects the addresses of the lazily loaded WASM chunks the page fetches. */
function watchChunks(page: Page) {
  const chunks: string[] = [];
  page.on("request", (r) => {
    if (/\/pkg\/split_.*\.wasm$/.test(r.url())) chunks.push(r.url());
  });
  return chunks;
}

test("pages other than the timer load their code on first visit, by link and by address", async ({ page }) => {
  const errors = watchErrors(page);
  const chunks = watchChunks(page);
  // The bundle comes compressed (the build's Brotli copies; Chromium takes
  // Brotli). The first response for each file counts: later page loads
  // revalidate the cached copy.
  const encodings = new Map<string, Promise<string>>();
  page.on("response", (r) => {
    const name = r.url().split("/").pop()!;
    if (/\/pkg\/timether\.(wasm|js)$/.test(r.url()) && !encodings.has(name)) {
      encodings.set(name, r.allHeaders().then((h) => h["content-encoding"] ?? "none"));
    }
  });
  await signUp(page, "Lazy Lou");
  expect(await encodings.get("timether.js")).toBe("br");
  expect(await encodings.get("timether.wasm")).toBe("br");
  // The sign-up page's code is a chunk of its own ...
  expect(chunks.some((u) => u.includes("sign_up_view"))).toBe(true);
  // ... and the Timer needs nothing beyond the main bundle but the live
  // updates' stream code, fetched once the page is interactive.
  chunks.length = 0;
  await page.goto("/");
  await ready(page);
  await expect(page.getByRole("button", { name: "Add time manually" })).toBeEnabled();
  await expect.poll(() => chunks.length).toBeGreaterThan(0);
  expect(chunks.every((u) => u.includes("split_follow"))).toBe(true);
  // The Time entries page and its filters: a chunk of their own.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Time entries" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Time entries" })).toBeVisible();
  expect(chunks.some((u) => u.includes("entries_view"))).toBe(true);

  // By link: the invoices page's code arrives with the navigation.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invoices" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Invoices" })).toBeVisible();
  expect(chunks.some((u) => u.includes("invoices_view"))).toBe(true);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
  expect(chunks.some((u) => u.includes("reports_view"))).toBe(true);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Profile" })).toBeVisible();
  await page.getByRole("navigation", { name: "Profile" }).getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByText("This device")).toBeVisible();

  // By address: the server renders the page, the browser fetches its chunk
  // before hydrating, and the page is interactive.
  await page.goto("/developers/api");
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  await page.goto("/settings/workspace");
  await ready(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Time entries" }).click();
  await expect(page).toHaveURL(/\/entries$/);

  expect(errors).toEqual([]);
});

test("the entry forms load their code the first time they open, for adding and for editing", async ({ page }) => {
  const errors = watchErrors(page);
  const chunks = watchChunks(page);
  await signUp(page, "Form Fay");
  // Only the sign-up page's own code and the live updates' so far.
  expect(chunks.filter((u) => !u.includes("sign_up_view") && !u.includes("split_follow"))).toEqual([]);

  await page.getByRole("button", { name: "Add time manually" }).click();
  const form = page.getByRole("form", { name: "Add time manually" });
  await form.getByLabel("Description").fill("Lazy notes");
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(page.getByText("Lazy notes")).toBeVisible();
  expect(chunks.some((u) => u.includes("new_entry_view"))).toBe(true);
  const before = chunks.length;

  // Edit opens the form on its own: its code arrives with the first Edit.
  await page.getByRole("button", { name: "Edit “Lazy notes”" }).click();
  const edit = page.getByRole("form", { name: "Edit time entry" });
  await expect(edit.getByLabel("Description")).toHaveValue("Lazy notes");
  await edit.getByLabel("Description").fill("Lazy notes, edited");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Lazy notes, edited")).toBeVisible();
  expect(chunks.slice(before).some((u) => u.includes("entry_form_view"))).toBe(true);
  expect(errors).toEqual([]);
});

test("the first download carries the daily pages' text, not the lazy pages'", async () => {
  // Static text goes with the code that uses it. When strings of different
  // pages share storage (the linker's string merging), the split must keep
  // them all in the main module: .cargo/config.toml turns that merging off.
  const main = readFileSync(path.join(__dirname, "../../target/site/pkg/timether.wasm")).toString("latin1");
  expect(main).toContain("Add time manually");
  for (const lazy of [
    "Welcome back. Sign in to track time",
    "Bill a client for its billable time",
    "Where the time went: totals, billable amounts",
  ]) {
    expect(main, lazy).not.toContain(lazy);
  }
});
