/**
 * The packages that only the CLI and the rehearsal need. They are optional peer dependencies, so
 * a construct-only install has none of them; each entry point that needs them checks first and
 * names what to install.
 */

/** A part of this package that needs packages a construct-only install does not have. */
export type OptionalFeature = 'cli' | 'cliDisplay' | 'rehearsal';

const SDK_RANGE = '^3.1142.0';

/** Each feature's optional peer dependencies with their ranges, as in package.json. */
export const OPTIONAL_PEERS: Readonly<Record<OptionalFeature, Readonly<Record<string, string>>>> = {
  /** `bluegreen` against AWS. */
  cli: {
    '@aws-sdk/client-auto-scaling': SDK_RANGE,
    '@aws-sdk/client-cloudformation': SDK_RANGE,
    '@aws-sdk/client-elastic-load-balancing-v2': SDK_RANGE,
    '@aws-sdk/client-sfn': SDK_RANGE,
    '@aws-sdk/client-sts': SDK_RANGE,
  },
  /** The live display of `--follow` on a terminal; plain lines without it. */
  cliDisplay: { listr2: '^9.0.5' },
  /** The rehearsal: the interpreter and the SDK clients the step handlers and the CLI load. */
  rehearsal: {
    '@aws-sdk/client-auto-scaling': SDK_RANGE,
    '@aws-sdk/client-cloudformation': SDK_RANGE,
    '@aws-sdk/client-cloudwatch': SDK_RANGE,
    '@aws-sdk/client-dynamodb': SDK_RANGE,
    '@aws-sdk/client-ec2': SDK_RANGE,
    '@aws-sdk/client-elastic-load-balancing-v2': SDK_RANGE,
    '@aws-sdk/client-lambda': SDK_RANGE,
    '@aws-sdk/client-s3': SDK_RANGE,
    '@aws-sdk/client-sfn': SDK_RANGE,
    '@aws-sdk/client-sts': SDK_RANGE,
    'aws-local-stepfunctions': '~3.0.0',
  },
};

function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch (error) {
    // Installed but not loadable from CommonJS this way (e.g. its exports hide the main file).
    return (error as { code?: string }).code !== 'MODULE_NOT_FOUND';
  }
}

/** The optional peers of these features that cannot be found from this package, sorted. */
export function missingPeers(features: readonly OptionalFeature[]): string[] {
  const names = new Set(features.flatMap((feature) => Object.keys(OPTIONAL_PEERS[feature])));
  return [...names].filter((name) => !isInstalled(name)).sort();
}

/** Throws, naming the install command, when an optional peer of these features is missing. */
export function assertOptionalPeers(what: string, features: readonly OptionalFeature[]): void {
  const missing = missingPeers(features);
  if (missing.length === 0) return;
  const ranges: Record<string, string> = Object.assign({}, ...features.map((f) => OPTIONAL_PEERS[f]));
  const specs = missing.map((name) => `${name}@${JSON.stringify(ranges[name])}`);
  throw new Error(
    `${what} needs packages that a construct-only install leaves out (${missing.join(', ')}): ` +
      `npm install --save-dev ${specs.join(' ')}`,
  );
}
