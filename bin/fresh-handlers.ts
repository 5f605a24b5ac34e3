/**
 * Imported first by the repository's rehearsal scripts (rehearse, chaos, bench, the demo CLI):
 * the rehearsal runs the prebuilt handler bundles, so they are rebuilt here when a source under
 * lambda/ or lib/contract/ changed since the last build (as jest's global setup does).
 */
import { ensureHandlerBundles } from '../scripts/handlers/ensure';

if (ensureHandlerBundles().built) process.stderr.write('handler bundles rebuilt from the sources\n');
