import { test, expect, type Locator, type Page } from "@playwright/test";
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
  // The outcome stays on the tab after a reload, until closed.
  await page.reload();
  await ready(page);
  await expect(page.getByText("2 time entries added")).toBeVisible();
  await expect(page.getByText(/started by Rita Restore/)).toBeVisible();
  await page.getByRole("button", { name: "Close" }).click();
  await expect(page.getByText("2 time entries added")).toHaveCount(0);

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
  // The undo runs as an import job: its outcome shows with the imports',
  // and the clear's record says it was restored. However quickly the job
  // ends: here the page first hears of it after it has ended.
  await page.route("**/rpc/latest_import_job", async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.getByRole("button", { name: "Undo clear" }).click();
  await expect(page.getByText("2 time entries added")).toBeVisible();
  await expect(page.getByText(/Undo clear of .*started by Rita/)).toBeVisible();
  await expect(page.getByText(/Restored on /)).toBeVisible();
  await expect(page.getByRole("button", { name: "Undo clear" })).toHaveCount(0);
  await page.unroute("**/rpc/latest_import_job");
  await page.goto("/entries");
  await ready(page);
  await expect(page.getByText("Client call")).toBeVisible();
});

test("A large import shows its progress, which a reload keeps", async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, "Lars Large");
  await page.goto("/settings/workspace/data");
  await ready(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Export JSON" }).click(),
  ]);
  // This workspace's own backup, with 300,000 entries added: long enough
  // an import to watch and to reload under.
  const doc = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  const person = doc.members[0].email;
  const start = Date.UTC(2024, 0, 1);
  const n = 300_000;
  doc.time_entries = Array.from({ length: n }, (_, i) => ({
    id: crypto.randomUUID(),
    description: `Imported ${i}`,
    project_id: null,
    person,
    started_at: new Date(start + i * 600_000).toISOString(),
    ended_at: new Date(start + i * 600_000 + 300_000).toISOString(),
    billable: false,
    tag_ids: [],
    invoice_id: null,
    created_at: new Date(start).toISOString(),
    updated_at: new Date(start).toISOString(),
  }));
  doc.counts.time_entries = n;
  const file = { name: "large.json.gz", mimeType: "application/gzip", buffer: zlib.gzipSync(JSON.stringify(doc)) };

  const [chooser] = await Promise.all([
    page.waitForEvent("filechooser"),
    page.getByRole("button", { name: "Import JSON" }).click(),
  ]);
  await chooser.setFiles(file);
  const preview = page.getByRole("region", { name: "Import into “Lars's workspace”" });
  await expect(preview.getByRole("row", { name: /Time entries 300,000 0 0/ })).toBeVisible({ timeout: 60_000 });
  await preview.getByRole("button", { name: "Confirm import" }).click();
  const bar = page.getByRole("progressbar", { name: /Importing “large.json.gz” \(merge\)/ });
  await expect(bar).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Import JSON" })).toBeDisabled();

  // A reload finds the job still running, with its progress.
  await page.reload();
  await ready(page);
  await expect(bar.or(page.getByText("300,000 time entries added"))).toBeVisible();
  if (await bar.isVisible()) {
    await expect(page.getByText(/of 300,000 time entries|Checking the file/)).toBeVisible();
    // No second file while this one is imported.
    await expect(page.getByRole("button", { name: "Import JSON" })).toBeDisabled();
    await axe(page);
  }
  await expect(page.getByText("300,000 time entries added")).toBeVisible({ timeout: 120_000 });
  await expect(bar).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Import JSON" })).toBeEnabled();
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

/** `YYYY-MM-DDTHH:MM` on day `day` of last month, local time. */
function lastMonth(day: number, time: string): string {
  const now = new Date();
  const d = new Date(now.getFullYear(), now.getMonth() - 1, day);
  const mm = String(d.getMonth() + 1).padStart(2, "0");
  const dd = String(d.getDate()).padStart(2, "0");
  return `${d.getFullYear()}-${mm}-${dd}T${time}`;
}

/** The rows of a CSV file without quoted newlines, as arrays of cells. */
function csvRows(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(","));
}

/** Presses Tab until `target` has the focus (at most `max` times). */
async function tabTo(page: Page, target: Locator, max = 60) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${target}`);
}

test("Export CSV by keyboard alone: the period, the count read out, the file", async ({ page }) => {
  await signUp(page, "Kim Keys");
  await page.getByRole("button", { name: "Add time manually" }).click();
  const form = page.getByRole("form", { name: "Add time manually" });
  await form.getByLabel("Description").fill("Keyboard entry");
  await form.getByRole("button", { name: "Add entry" }).click();
  await expect(page.getByText("Keyboard entry")).toBeVisible();

  await page.goto("/settings/workspace/data");
  await ready(page);
  const section = page.getByRole("region", { name: "Export time entries" });
  // The count sits in a polite live region, so a screen reader reads
  // each new count out as the filter changes.
  const spoken = section.locator('[aria-live="polite"]');
  await expect(spoken).toContainText("No finished time entries match");
  const period = section.getByLabel("Period");
  await tabTo(page, period);
  // From "Last month" the next choice is "This year", which holds today.
  await page.keyboard.press("ArrowDown");
  await expect(period).toHaveValue("this-year");
  await expect(spoken).toContainText("1 entry");
  const csv = section.getByRole("link", { name: "Export CSV" });
  await tabTo(page, csv);
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  expect(fs.readFileSync((await download.path())!, "utf8")).toContain("Keyboard entry");
  // Export PDF is the next stop.
  await page.keyboard.press("Tab");
  await expect(section.getByRole("link", { name: "Export PDF" })).toBeFocused();
});

test("Export CSV and PDF on the Data tab and the Reports page, by date range and tag", async ({ page }) => {
  await signUp(page, "Carl Csv");
  await page.getByRole("link", { name: "Tags" }).click();
  await ready(page);
  for (const tag of ["dev", "meetings"]) {
    await page.getByLabel("Tag name").fill(tag);
    await page.getByRole("button", { name: "Add tag" }).click();
    await expect(page.locator(".tag-list").getByText(`#${tag}`, { exact: true })).toBeVisible();
  }
  await page.getByRole("link", { name: "Timer", exact: true }).click();
  await ready(page);
  for (const [description, day, start, end, tag] of [
    ["Sprint planning", 10, "09:00", "10:30", "#meetings"],
    ["Refactor importer", 11, "13:00", "15:00", "#dev"],
  ] as const) {
    await page.getByRole("button", { name: "Add time manually" }).click();
    const form = page.getByRole("form", { name: "Add time manually" });
    await form.getByLabel("Description").fill(description);
    await form.getByLabel("Start").fill(lastMonth(day, start));
    await form.getByLabel("End").fill(lastMonth(day, end));
    await form.locator("details.picker summary").click();
    await form.locator("details.picker").getByText(tag).click();
    await form.locator("details.picker summary").click();
    await form.getByRole("button", { name: "Add entry" }).click();
    await expect(page.getByText(description)).toBeVisible();
  }

  // The Data tab: last month is chosen; narrow it to #meetings.
  await page.goto("/settings/workspace/data");
  await ready(page);
  const section = page.getByRole("region", { name: "Export time entries" });
  await expect(section.getByLabel("Period")).toHaveValue("last-month");
  await expect(section.getByTestId("export-summary")).toContainText("2 entries, 3 h 30 m");
  await section.locator("#export-tags summary").click();
  await section.locator("#export-tags").getByText("#meetings").click();
  await section.locator("#export-tags summary").click();
  await expect(section.getByTestId("export-summary")).toContainText("1 entry, 1 h 30 m");
  await axe(page);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    section.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^timether-carl-s-workspace-\d{4}-\d\d-01-to-\d{4}-\d\d-\d\d\.csv$/);
  const text = fs.readFileSync((await download.path())!, "utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  const rows = csvRows(text);
  expect(rows[0].slice(0, 3)).toEqual(["Date", "Start", "End"]);
  expect(rows).toHaveLength(2);
  expect(rows[1]).toContain("Sprint planning");
  expect(rows[1]).toContain("meetings");
  expect(rows[1]).toContain("1:30:00");
  const [pdf] = await Promise.all([
    page.waitForEvent("download"),
    section.getByRole("link", { name: "Export PDF" }).click(),
  ]);
  expect(pdf.suggestedFilename()).toMatch(/^timether-carl-s-workspace-.*\.pdf$/);
  expect(fs.readFileSync((await pdf.path())!).subarray(0, 5).toString("latin1")).toBe("%PDF-");

  // Nothing matches: said in words, and no file is offered.
  await section.getByLabel("Tags match").selectOption({ label: "Untagged only" });
  await expect(section.getByTestId("export-summary")).toContainText("No finished time entries match");
  await expect(section.getByRole("button", { name: "Export CSV" })).toBeDisabled();

  // The Reports page exports what it shows.
  // The Data tab has a Period control too, and stays on screen until the
  // Reports page's code arrives: choose in the Reports page's own filters.
  await page.getByRole("link", { name: "Reports" }).click();
  await ready(page);
  const filters = page.getByRole("region", { name: "Report filters" });
  await filters.getByLabel("Period").selectOption({ label: "Last month" });
  await expect(page.getByTestId("report-total")).toHaveText("3:30");
  const [fromReports] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  const all = csvRows(fs.readFileSync((await fromReports.path())!, "utf8"));
  expect(all.map((r) => r[7])).toEqual(["Description", "Sprint planning", "Refactor importer"]);
  const [reportPdf] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export PDF" }).click(),
  ]);
  expect(fs.readFileSync((await reportPdf.path())!).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  await axe(page);
});
