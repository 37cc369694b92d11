import { test, expect, Page } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { axe, ready, uniqueEmail, PASSWORD, signUp } from "./helpers";

const password = PASSWORD;

function totpFor(secret: string) {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(secret.replace(/\s+/g, "")),
    algorithm: "SHA1",
    digits: 6,
    period: 30,
  });
}

/** Waits until a new 30-second step has begun: each code is accepted once. */
async function nextStep(page: Page) {
  const into = (Date.now() / 1000) % 30;
  await page.waitForTimeout((30 - into + 1) * 1000);
}

async function signOut(page: Page) {
  await page.locator("summary.user-menu-button").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await ready(page);
}

async function passwordStep(page: Page, email: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("enable 2FA, sign in with a code and with a recovery code, disable it", async ({ page }) => {
  test.setTimeout(180_000);
  const email = uniqueEmail("otp");

  await signUp(page, "Otto Factor", email);

  await page.goto("/profile/security");
  await ready(page);
  const card = page.locator("section", { has: page.getByRole("heading", { name: "Two-factor authentication" }) });
  await expect(card.getByText("Off", { exact: true })).toBeVisible();
  await card.getByRole("button", { name: "Enable 2FA" }).click();
  await card.getByLabel("Current password").fill(password);
  await card.getByRole("button", { name: "Continue" }).click();

  // The QR code and the secret key; 2FA is not on until a code is confirmed.
  await expect(card.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = (await card.getByTestId("totp-secret").textContent())!.trim();
  expect(secret.replace(/\s+/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  await expect(card.getByText("Google Authenticator", { exact: false })).toBeVisible();
  await axe(page);
  const totp = totpFor(secret);

  await card.getByLabel("Verification code").fill("000000" === totp.generate() ? "111111" : "000000");
  await card.getByRole("button", { name: "Turn on 2FA" }).click();
  await expect(card.getByRole("alert").filter({ hasText: "right account" })).toBeVisible();

  await card.getByLabel("Verification code").fill(totp.generate());
  await card.getByRole("button", { name: "Turn on 2FA" }).click();

  // Recovery codes, once.
  const codes = card.getByTestId("recovery-codes").locator("li");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.first().textContent())!.trim();
  expect(recovery).toMatch(/^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$/);
  await expect(card.getByRole("link", { name: "Download .txt" })).toHaveAttribute("download", "timether-recovery-codes.txt");
  await axe(page);
  await card.getByRole("button", { name: "I have saved my codes" }).click();
  await expect(card.getByText("On", { exact: true })).toBeVisible();
  await expect(card.getByText("Recovery codes left: 10 of 10.")).toBeVisible();

  // Sign in with a code from the app.
  await signOut(page);
  await passwordStep(page, email);
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  // The second step puts the cursor in its code field.
  await expect(page.getByLabel("Verification code")).toBeFocused();
  await axe(page);
  await nextStep(page);
  await page.getByLabel("Verification code").fill(totp.generate());
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Timer" })).toBeVisible();

  // Sign in with a recovery code.
  await signOut(page);
  await passwordStep(page, email);
  await page.getByRole("button", { name: "Use a recovery code instead" }).click();
  await page.getByLabel("Recovery code").fill(recovery);
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await ready(page);

  // Disable with the password.
  await page.goto("/profile/security");
  await ready(page);
  await expect(card.getByText("Recovery codes left: 9 of 10.")).toBeVisible();
  await card.getByRole("button", { name: "Disable 2FA" }).click();
  await card.getByLabel("Current password").fill("not my password");
  await card.getByRole("button", { name: "Disable 2FA" }).click();
  await expect(card.getByRole("alert").filter({ hasText: "not your current password" })).toBeVisible();
  await card.getByLabel("Current password").fill(password);
  await card.getByRole("button", { name: "Disable 2FA" }).click();
  await expect(card.getByText("Off", { exact: true })).toBeVisible();

  // The password alone is enough again.
  await signOut(page);
  await passwordStep(page, email);
  await expect(page).toHaveURL(/\/$/);
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: "Timer" })).toBeVisible();
});
