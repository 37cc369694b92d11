import { test, expect } from "@playwright/test";
import { axe, ready, uniqueEmail, PASSWORD, signUp } from "./helpers";

const password = PASSWORD;

test("see the other browser's session, revoke it, log out other sessions", async ({ page, browser }) => {
  const email = uniqueEmail("sessions");
  await signUp(page, "Sam Sessions", email);

  // A second browser (its own cookies) signs in to the same account.
  const base = new URL(page.url()).origin;
  const other = await browser.newContext({
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  });
  const phone = await other.newPage();
  await phone.goto(`${base}/signin`);
  await ready(phone);
  await phone.getByLabel("Email").fill(email);
  await phone.getByLabel("Password").fill(password);
  await phone.getByRole("button", { name: "Sign in" }).click();
  await expect(phone).toHaveURL(/\/$/);

  await page.goto("/profile/sessions");
  await ready(page);
  await expect(page.getByRole("heading", { name: "Active sessions" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sessions" })).toHaveAttribute("aria-current", "page");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("This device");
  const phoneRow = page.getByRole("row", { name: /Safari 17/ });
  await expect(phoneRow).toContainText("Phone");
  await expect(phoneRow).toContainText("Active now");
  await axe(page);

  // Revoke asks first, then signs the phone out at once.
  await phoneRow.getByRole("button", { name: /^Revoke Safari 17/ }).click();
  const dialog = page.getByRole("dialog", { name: /Revoke Safari 17/ });
  await expect(dialog).toBeVisible();
  await axe(page);
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("Session revoked. That device is signed out.")).toBeVisible();
  await expect(rows).toHaveCount(1);
  // The phone's open page learns it at once and goes to sign-in.
  await expect(phone).toHaveURL(/\/signin\?ended=revoked$/);
  await expect(phone.getByText("this session was revoked from another device")).toBeVisible();

  // Log Out Other Sessions keeps this browser signed in.
  await page.getByRole("button", { name: "Log Out Other Sessions" }).click();
  const all = page.getByRole("dialog", { name: "Log out other sessions?" });
  await all.getByRole("button", { name: "Log Out Other Sessions" }).click();
  await expect(page.getByText("No other sessions were signed in.")).toBeVisible();
  await page.reload();
  await ready(page);
  await expect(rows).toHaveCount(1);
  await other.close();
});
