/**
 * Jest global setup: the Lambda handler bundles, built once before the workers start when they
 * are missing or stale, so that no two test processes build them at the same time.
 */
import { ensureHandlerBundles } from '../scripts/handlers/ensure';

export default function globalSetup(): void {
  ensureHandlerBundles();
}
