/**
 * Artifact mode: where one version's artifact lives. The instances' boot script downloads
 * `s3://<bucket>/<keyPrefix><version>.<extension>`; the Prepare step checks that object exists
 * before a release, and the rehearsal seeds it. All three read the location from the same
 * environment (`ENV.artifactBucket`, `ENV.artifactKeyPrefix`, `ENV.artifactExtension`).
 */
import { ENV } from './environment';

export interface ArtifactLocation {
  readonly bucket: string;
  /** @default '' */
  readonly keyPrefix: string;
  /** @default 'tar.gz' */
  readonly extension: string;
}

/** The location the environment names; undefined when it names no bucket (not artifact mode). */
export function artifactLocation(
  env: Readonly<Record<string, string | undefined>>,
): ArtifactLocation | undefined {
  const bucket = env[ENV.artifactBucket];
  if (!bucket) return undefined;
  return {
    bucket,
    keyPrefix: env[ENV.artifactKeyPrefix] ?? '',
    extension: env[ENV.artifactExtension] ?? 'tar.gz',
  };
}

/** The object key of `version`'s artifact. */
export function artifactKey(location: ArtifactLocation, version: string): string {
  return `${location.keyPrefix}${version}.${location.extension}`;
}
