import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// The server's data folder the config made for this run goes when the run
// ends (about 260 MB of SQLite after the whole suite; each run left one
// behind in the temporary folder). A folder named by the caller in
// TIMETHER_E2E_DATA_DIR is theirs and stays. Failed tests keep their
// traces and screenshots in test-results.
export default async function globalTeardown() {
  const dir = process.env.TIMETHER_E2E_DATA_DIR;
  if (dir && path.dirname(dir) === os.tmpdir() && /^timether-e2e-\d+$/.test(path.basename(dir))) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
