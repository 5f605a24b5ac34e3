#!/usr/bin/env node
/**
 * `npm run bluegreen`: the `bluegreen` CLI from this repository's sources. The same CLI as the
 * package's binary (bin/bluegreen.ts), except that `--rehearse` without `--rehearse-template`
 * rehearses the example app's Demo stack, synthesized in this process, instead of `./cdk.out`.
 */
import './fresh-handlers';
import { main } from '../lib/cli/main';
import { demoStacks } from './rehearsal-templates';

// The SDK warns on stderr about Node 20 support in 2027; the CLI's stderr is kept to its one line.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const isTTY = process.stdout.isTTY === true;
main(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, isTTY, ...(isTTY ? { terminal: process.stdout } : {}) },
  { defaultStacks: demoStacks },
).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  },
);
