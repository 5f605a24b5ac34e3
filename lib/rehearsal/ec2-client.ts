/**
 * The EC2 client class the validator's bundle loads (`require('@aws-sdk/client-ec2')`), so that the
 * rehearsal can answer its `send`. While the package is not installed, that require resolves to a
 * stand-in (sdk-stand-ins/client-ec2.ts): jest maps it (jest.config.js), and plain Node is told
 * here, once, through its module resolver.
 */
import Module from 'module';
import * as path from 'path';

const EC2_PACKAGE = '@aws-sdk/client-ec2';
const STAND_IN = path.join(__dirname, 'sdk-stand-ins', 'client-ec2');

type Resolver = (request: string, ...rest: unknown[]) => string;
let standInRegistered = false;

/** The EC2 client class: the installed package's, else the stand-in's (registered for every later require). */
export function ec2ClientClass(): { prototype: object } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(EC2_PACKAGE).EC2Client;
  } catch {
    registerStandIn();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(EC2_PACKAGE).EC2Client;
  }
}

function registerStandIn(): void {
  if (standInRegistered) return;
  standInRegistered = true;
  const internals = Module as unknown as { _resolveFilename: Resolver };
  const resolve = internals._resolveFilename;
  const standIn = require.resolve(STAND_IN);
  internals._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === EC2_PACKAGE) {
      try {
        return resolve.call(this, request, ...rest);
      } catch {
        return standIn;
      }
    }
    return resolve.call(this, request, ...rest);
  };
}
