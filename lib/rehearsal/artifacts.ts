/**
 * Artifact mode, as the rehearsal seeds it: where the artifact of a version lives, read from the
 * environment the construct gives the step functions (the same names the Prepare step reads).
 */
import { ENV } from '../contract/environment';

/** The S3 object of one version's artifact. */
export interface ArtifactObject {
  readonly bucket: string;
  readonly key: string;
}

/**
 * `<prefix><version>.<extension>` in the artifact bucket, for each version; none when the
 * environment names no artifact bucket (the demo app mode). The defaults are the Prepare step's.
 */
export function artifactKeys(
  environment: Readonly<Record<string, string>>,
  versions: readonly string[],
): ArtifactObject[] {
  const bucket = environment[ENV.artifactBucket];
  if (!bucket) return [];
  const prefix = environment[ENV.artifactKeyPrefix] ?? '';
  const extension = environment[ENV.artifactExtension] ?? 'tar.gz';
  return versions.map((version) => ({ bucket, key: `${prefix}${version}.${extension}` }));
}
