/**
 * `cdk-blue-green-ec2/cli`: the `bluegreen` release CLI as a function, for scripts and tests that
 * would rather not start a process. The `bluegreen` binary of this package calls it.
 */
import type { CliIo } from '../cli/io';
import { assertOptionalPeers, type OptionalFeature } from '../optional-peers';

export type { CliIo, TextSink } from '../cli/io';

/** This process's stdout and stderr; the live display when stdout is a terminal. */
function processIo(): CliIo {
  const isTTY = process.stdout.isTTY === true;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY,
    ...(isTTY ? { terminal: process.stdout } : {}),
  };
}

/**
 * Runs one `bluegreen` command (e.g. `['release', '1.4.2', '--stack', 'Shop', '--follow']`) and
 * resolves to its exit code: 0 released, rolled back, answered or shown; 1 the execution failed
 * or the release was rolled back; 2 bad input or environment, with one line on `io.stderr` and
 * nothing changed (also when a package the command needs is not installed).
 *
 * With `--rehearse` the command runs against a simulated region: the service comes from the app's
 * synthesized cloud assembly (`cdk.out` in the current folder, or `--rehearse-template`).
 *
 * @param argv the arguments after `bluegreen`
 * @param io where the command writes. @default - this process's stdout and stderr
 */
export async function bluegreen(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const features: OptionalFeature[] = argv.includes('--rehearse') ? ['cli', 'rehearsal'] : ['cli'];
  try {
    assertOptionalPeers('bluegreen', features);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  // Loaded after the check: the CLI imports the AWS SDK clients at once.
  type Cli = typeof import('../cli/main');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require('../cli/main') as Cli;
  return main(argv, io);
}
