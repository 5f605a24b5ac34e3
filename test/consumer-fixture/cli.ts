/**
 * The CLI entry point as a function (needs the CLI's optional peers at run time), rehearsing one
 * service of the app's synthesized cloud assembly (`cdk.out`).
 */
import { bluegreen, type CliIo } from 'cdk-blue-green-ec2/cli';

const lines: string[] = [];
const io: CliIo = { stdout: { write: (text) => lines.push(text) }, stderr: process.stderr, isTTY: false };

void bluegreen(['status', '--rehearse', '--stack', 'Shop', '--service', 'shop-admin'], io).then((code) => {
  process.stdout.write(lines.join(''));
  process.exitCode = code;
});
