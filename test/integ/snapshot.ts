import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { INTEG_SNAPSHOT, snapshotDifferences, synthesizeIntegApp, writeSnapshot } from '../support/integ-snapshot';

/**
 * `npm run integ:snapshot`: re-synthesizes the integration test app offline (no credentials, no
 * Docker) and rewrites its committed snapshot, printing what changed. Run it after changing the
 * constructs or the test, review the diff, and commit the snapshot with the change.
 */
const tmp = resolve('test/.tmp');
mkdirSync(tmp, { recursive: true });
const outdir = mkdtempSync(join(tmp, 'integ-snapshot-'));
try {
  synthesizeIntegApp(outdir, { bundle: true });
  const changes = snapshotDifferences(outdir);
  // Unchanged templates still differ in asset hashes and salts: leave the committed files alone.
  if (changes.length > 0) writeSnapshot(outdir);
  const where = relative(process.cwd(), INTEG_SNAPSHOT);
  console.log(changes.length === 0 ? `${where}: no change` : `${where} updated:\n${changes.join('\n')}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
