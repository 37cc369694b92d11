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
