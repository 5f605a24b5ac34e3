/**
 * `bluegreen`: release, roll back and watch a BlueGreenService. `main` takes the arguments and
 * where to write, and returns the exit code; bin/bluegreen.ts only wires it to the process.
 */
import { parseCommandLine, type CliCommand, type ServiceCommand, type ServiceTarget } from './args';
import { runApproval } from './commands/approval';
import { runHistory } from './commands/history';
import { runStart } from './commands/release';
import { runStatus } from './commands/status';
import { awsEnvironment, type CliEnvironment } from './environment';
import { CommandFailed, ExitCode, refusalLine } from './errors';
import { helpText } from './help';
import { Printer, type CliIo } from './io';
import { missingPeers } from '../optional-peers';
import type { RehearsalSource } from './rehearsal-environment';
import type { ProgressDisplay } from './render/display';
import { PlainDisplay } from './render/plain';

export interface CliDependencies extends RehearsalSource {
  /** Builds what the command talks to; AWS, or a fresh rehearsal with `--rehearse`. */
  readonly createEnvironment?: (command: ServiceCommand) => Promise<CliEnvironment>;
}

export async function main(argv: readonly string[], io: CliIo, deps: CliDependencies = {}): Promise<number> {
  const out = new Printer(io.stdout);
  const err = new Printer(io.stderr);
  let command: CliCommand;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    err.line(refusalLine(error));
    return ExitCode.badInput;
  }
  if (command.name === 'help') {
    out.line(helpText(command.topic));
    return ExitCode.ok;
  }
  try {
    const { env, target } = deps.createEnvironment
      ? { env: await deps.createEnvironment(command), target: command.target }
      : await defaultEnvironment(command, deps);
    for (const line of env.notice ?? []) out.line(line);
    return await run({ ...command, target }, env, io, out);
  } catch (error) {
    err.line(refusalLine(error));
    return error instanceof CommandFailed ? error.exitCode : ExitCode.badInput;
  }
}

async function run(command: ServiceCommand, env: CliEnvironment, io: CliIo, out: Printer): Promise<number> {
  switch (command.name) {
    case 'release':
    case 'rollback':
      return runStart(env, command, out, () => display(io, out), io.isTTY && io.terminal !== undefined);
    case 'status':
      return runStatus(env, command, out);
    case 'history':
      return runHistory(env, command, out);
    case 'approve':
    case 'reject':
      return runApproval(env, command, out);
  }
}

/** A live display on a terminal (when listr2 is installed); plain lines otherwise. */
function display(io: CliIo, out: Printer): ProgressDisplay {
  if (io.isTTY && io.terminal && missingPeers(['cliDisplay']).length === 0) {
    // Loaded only when drawn: listr2 and its terminal code are not needed otherwise.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { TerminalDisplay } = require('./render/tty') as typeof import('./render/tty');
    return new TerminalDisplay(io.terminal, out);
  }
  return new PlainDisplay(out);
}

/** AWS; or with --rehearse, a fresh rehearsal of the synthesized service the flags pick, and that service. */
async function defaultEnvironment(
  command: ServiceCommand,
  deps: CliDependencies,
): Promise<{ env: CliEnvironment; target: ServiceTarget }> {
  const { rehearse } = command;
  if (!rehearse) return { env: awsEnvironment(command.target.region), target: command.target };
  // Loaded only for a rehearsal: the interpreter and the simulated region are not needed against AWS.
  const { rehearsalEnvironment } = await import('./rehearsal-environment');
  return rehearsalEnvironment({ ...command, rehearse }, deps);
}
