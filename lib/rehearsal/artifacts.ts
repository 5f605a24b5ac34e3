/**
 * Artifact mode, as the rehearsal seeds it: the object of each version it releases, at the
 * location the step functions' environment names (lib/contract/artifact.ts).
 */
import { artifactKey, artifactLocation } from '../contract/artifact';

/** The S3 object of one version's artifact. */
export interface ArtifactObject {
  readonly bucket: string;
  readonly key: string;
}

/** The artifact object of each version; none when the environment names no bucket (not artifact mode). */
export function artifactKeys(
  environment: Readonly<Record<string, string>>,
  versions: readonly string[],
): ArtifactObject[] {
  const location = artifactLocation(environment);
  if (!location) return [];
  return versions.map((version) => ({ bucket: location.bucket, key: artifactKey(location, version) }));
}
