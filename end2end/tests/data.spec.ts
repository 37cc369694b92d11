import { test, expect } from "@playwright/test";
import * as fs from "fs";
import * as zlib from "zlib";
import { axe, ready, signUp } from "./helpers";

test("Export JSON on the Data tab downloads the workspace's backup", async ({ page }) => {
  const email = await signUp(page, "Dana Data");
  // Something to back up: a manual entry, from the Timer page.
  await page.getByRole("button", { name: "Add time manually" }).click();
  const form = page.getByRole("form", { name: "Add time manually" });
  await form.getByLabel("Description").fill("Quarterly review");
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(page.getByText("Quarterly review")).toBeVisible();

  await page.goto("/settings/workspace/data");
  await ready(page);
  await expect(page.getByRole("link", { name: "Data" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("heading", { name: "Back up this workspace" })).toBeVisible();
  await axe(page);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export JSON" }).click(),
  ]);
  const day = new Date().toISOString().slice(0, 10);
  expect(download.suggestedFilename()).toBe(`timether-dana-s-workspace-${day}.json`);
  const doc = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(doc.format).toBe("timether-backup");
  expect(doc.version).toBe(1);
  expect(doc.counts.time_entries).toBe(1);
  expect(doc.time_entries[0].description).toBe("Quarterly review");
  expect(doc.time_entries[0].person).toBe(email);

  // Compressed: the same document in a .json.gz file.
  await page.getByLabel("Compress the file (.json.gz)").check();
  const [zipped] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export JSON" }).click(),
  ]);
  expect(zipped.suggestedFilename()).toBe(`timether-dana-s-workspace-${day}.json.gz`);
  const unzipped = JSON.parse(zlib.gunzipSync(fs.readFileSync((await zipped.path())!)).toString("utf8"));
  expect(unzipped.time_entries).toEqual(doc.time_entries);
});

test("Clear Workspace, Import JSON with its preview, and Undo clear", async ({ page }) => {
  await signUp(page, "Rita Restore");
  for (const description of ["Client call", "Write report"]) {
    await page.getByRole("button", { name: "Add time manually" }).click();
    const form = page.getByRole("form", { name: "Add time manually" });
    await form.getByLabel("Description").fill(description);
    await form.getByRole("button", { name: "Add entry" }).click();
    await expect(page.getByText(description)).toBeVisible();
  }

  await page.goto("/settings/workspace/data");
  await ready(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export JSON" }).click(),
  ]);
  const backup = (await download.path())!;

  // Clear Workspace: the dialog counts what goes and wants the name typed.
  await page.getByRole("button", { name: "Clear Workspace" }).click();
  const dialog = page.getByRole("dialog", { name: /Clear Workspace/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByText("This deletes 2 time entries")).toBeVisible();
  await axe(page);
  const confirm = dialog.getByRole("button", { name: "Clear Workspace" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel("Type the workspace's name to confirm").fill("Rita's workspace");
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/Cleared on .* by Rita Restore: 2 time entries/)).toBeVisible();

  await page.goto("/entries");
  await ready(page);
  await expect(page.getByText("Client call")).toHaveCount(0);

  // Import JSON: the preview names this workspace and says what changes.
  await page.goto("/settings/workspace/data");
  await ready(page);
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: "Import JSON" }).click(),
  ]);
  await chooser.setFiles(backup);
  const preview = page.getByRole("region", { name: "Import into “Rita's workspace”" });
  await expect(preview).toBeVisible();
  await expect(preview.getByText("It holds 2 time entries")).toBeVisible();
  await expect(preview.getByRole("row", { name: /Time entries 2 0 0/ })).toBeVisible();
  await axe(page);
  await preview.getByRole("button", { name: "Confirm import" }).click();
  await expect(page.getByText("2 time entries added")).toBeVisible();

  await page.goto("/entries");
  await ready(page);
  await expect(page.getByText("Client call")).toBeVisible();
  await expect(page.getByText("Write report")).toBeVisible();

  // A second clear, undone from the Data tab.
  await page.goto("/settings/workspace/data");
  await ready(page);
  await page.getByRole("button", { name: "Clear Workspace" }).click();
  await dialog.getByLabel("Type the workspace's name to confirm").fill("Rita's workspace");
  await dialog.getByRole("button", { name: "Clear Workspace" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "Undo clear" }).click();
  await expect(page.getByText("Restored: 2 time entries.")).toBeVisible();
  await page.goto("/entries");
  await ready(page);
  await expect(page.getByText("Client call")).toBeVisible();
});

test("Import JSON lists every problem of a bad file and changes nothing", async ({ page }) => {
  await signUp(page, "Ben Broken");
  await page.goto("/settings/workspace/data");
  await ready(page);
  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: "Import JSON" }).click(),
  ]);
  await chooser.setFiles({ name: "broken.json", mimeType: "application/json", buffer: Buffer.from("{\"format\": \"timether-backup\", \"version\": 1,") });
  const alert = page.getByRole("alert").filter({ hasText: "Nothing was imported" });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("ends too early");
  await expect(page.getByRole("button", { name: "Confirm import" })).toHaveCount(0);
  await axe(page);
});
