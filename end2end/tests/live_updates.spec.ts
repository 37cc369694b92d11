import { test, expect, Browser, Page } from "@playwright/test";
import { logOutOtherSessions, ready, PASSWORD, signUp, uniqueEmail } from "./helpers";

// Live updates: the same person on a laptop and a phone (two browsers, two
// sessions). What one does shows on the other within two seconds, with no
// reload, click or focus change on the watching page.
const SOON = { timeout: 2_500 };

async function signInElsewhere(browser: Browser, base: string, email: string): Promise<Page> {
  const context = await browser.newContext();
  const phone = await context.newPage();
  await phone.goto(`${base}/signin`);
  await ready(phone);
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill(PASSWORD);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone).toHaveURL(/\/$/);
  await ready(phone);
  return phone;
}

test("a timer started on one device shows on the other, and its stop too", async ({ page, browser }) => {
  const email = uniqueEmail("live");
  await signUp(page, "Liv Live", email);
  const phone = await signInElsewhere(browser, new URL(page.url()).origin, email);
  await expect(phone.getByRole("button", { name: "Start" })).toBeVisible();

  // Start on the laptop: the phone shows it running, with its description.
  await page.getByLabel("What are you working on?").fill("Planning call");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible();
  await expect(phone.getByRole("button", { name: "Stop" })).toBeVisible(SOON);
  await expect(phone.getByLabel("What are you working on?")).toHaveValue("Planning call");

  // Stop on the phone: the laptop shows it stopped, and the entry in its list.
  await phone.getByRole("button", { name: "Stop" }).click();
  await expect(phone.getByRole("button", { name: "Start" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible(SOON);
  await expect(page.locator("main").getByText("Planning call")).toBeVisible(SOON);

  // A timer started from any page of the phone shows too.
  await phone.goto("/entries");
  await ready(phone);
  await phone.getByLabel("What are you working on?").fill("Quick fix");
  await phone.getByRole("button", { name: "Start" }).click();
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible(SOON);
  await expect(page.getByLabel("What are you working on?")).toHaveValue("Quick fix");
  await phone.context().close();
});

test("an edit being typed is kept while entries change elsewhere", async ({ page, browser }) => {
  const email = uniqueEmail("keep");
  await signUp(page, "Kit Keep", email);
  await page.getByLabel("What are you working on?").fill("First");
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible();
  const phone = await signInElsewhere(browser, new URL(page.url()).origin, email);

  // The laptop opens the entry's editor and types; the phone starts a timer.
  await page.getByRole("button", { name: "Edit “First”" }).click();
  const description = page.getByRole("textbox", { name: "Description" });
  await description.fill("First, renamed");
  await phone.getByLabel("What are you working on?").fill("Second");
  await phone.getByRole("button", { name: "Start" }).click();
  // The laptop's timer follows; the editor and its text stay.
  await expect(page.getByRole("button", { name: "Stop" })).toBeVisible(SOON);
  await phone.getByRole("button", { name: "Stop" }).click();
  await expect(page.getByRole("button", { name: "Start" })).toBeVisible(SOON);
  await expect(description).toHaveValue("First, renamed");
  await expect(description).toBeVisible();
  // Once the editor closes, the list catches up.
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.locator("main").getByText("Second")).toBeVisible(SOON);
  await phone.context().close();
});

test("a session revoked elsewhere leaves the open page for sign-in at once", async ({ page, browser }) => {
  const email = uniqueEmail("gone");
  await signUp(page, "Gil Gone", email);
  const phone = await signInElsewhere(browser, new URL(page.url()).origin, email);
  await phone.goto("/entries");
  await ready(phone);

  await logOutOtherSessions(page);
  await expect(phone).toHaveURL(/\/signin\?next=%2Fentries&ended=revoked$/, { timeout: 3_000 });
  await expect(phone.getByText("this session was revoked from another device")).toBeVisible();
  await phone.context().close();
});
