import { test, expect } from "@playwright/test";
import { axe, ready, uniqueEmail, PASSWORD, signUp } from "./helpers";

const password = PASSWORD;

test("create an API token on a Team workspace, use it once, revoke it", async ({ page, request }) => {
  const email = uniqueEmail("api");
  await signUp(page, "Ada Token", email);

  // Free: the section explains the plan.
  await page.goto("/settings/workspace/api");
  await ready(page);
  await expect(page.getByText("API tokens are available on the Team and Business plans.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create Token" })).toHaveCount(0);

  await page.goto("/settings/workspace/plan");
  await ready(page);
  await page.getByLabel("Plan", { exact: true }).selectOption("Team");
  await page.getByRole("button", { name: "Change plan" }).click();
  const upgrade = page.getByRole("dialog", { name: "Change the plan from Free to Team?" });
  await expect(upgrade).toContainText("can create API tokens");
  await upgrade.getByRole("button", { name: "Change plan" }).click();
  await expect(page.locator(".badge-accent", { hasText: "Team" })).toBeVisible();

  await page.goto("/settings/workspace/api");
  await ready(page);
  await page.getByLabel("Name").fill("Internal reporting dashboard");
  await page.getByRole("button", { name: "Create Token" }).click();

  // Shown once, in a dialog.
  const dialog = page.getByRole("dialog", { name: "Copy your new token" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("This is the only time the token is shown")).toBeVisible();
  const token = await dialog.getByLabel("Internal reporting dashboard").inputValue();
  expect(token).toMatch(/^tmt_[0-9A-Za-z]{50}$/);
  await axe(page);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  expect(await page.content()).not.toContain(token);

  const row = page.getByRole("row", { name: /Internal reporting dashboard/ });
  await expect(row).toContainText("Read-only");
  await expect(row).toContainText(token.slice(0, 10));
  const workspaceId = (await page.getByLabel("Workspace ID").textContent())!.trim();

  const headers = { Authorization: `Bearer ${token}`, "X-Workspace-Id": workspaceId };
  const me = await request.get("/api/v1/me", { headers });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(email);

  // The product's own dialog says what happens, then a toast says it did.
  await page.getByRole("button", { name: "Revoke Internal reporting dashboard" }).click();
  const ask = page.getByRole("dialog", { name: "Revoke “Internal reporting dashboard”?" });
  await expect(ask).toContainText("stops working at once");
  await axe(page);
  await ask.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.locator(".toast", { hasText: "Token “Internal reporting dashboard” revoked." })).toBeVisible();
  await expect(row).toHaveCount(0);
  const after = await request.get("/api/v1/me", { headers });
  expect(after.status()).toBe(401);
  expect((await after.json()).error.code).toBe("invalid_token");
  await axe(page);
});
