#!/usr/bin/env node
/** `bluegreen`: the release CLI (lib/cli). Wires the process to `main` and exits with its code. */
import { main } from '../lib/cli/main';
import type { CfnTemplate } from '../lib/rehearsal/template';

/** The example app's Demo stack, synthesized only for --rehearse (the CDK is not loaded otherwise). */
function exampleTemplate(): CfnTemplate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./rehearsal-templates') as typeof import('./rehearsal-templates')).demoTemplate();
}

// The SDK warns on stderr about Node 20 support in 2027; the CLI's stderr is kept to its one line.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
    terminal: process.stdout,
  },
  { exampleTemplate },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  },
);
