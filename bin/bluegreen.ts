#!/usr/bin/env node
/** `bluegreen`: the release CLI (lib/cli). Wires the process to `bluegreen` and exits with its code. */
import { bluegreen } from '../lib/entries/cli';

// The SDK warns on stderr about Node 20 support in 2027; the CLI's stderr is kept to its one line.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

bluegreen(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  },
);
