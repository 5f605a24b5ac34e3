import { spawnSync } from 'child_process';
import { performance } from 'perf_hooks';

/** What a command did. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time, milliseconds. */
  readonly ms: number;
}

/** Options of `run`. */
export interface RunOptions {
  readonly cwd: string;
  /** @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  /** Return a failed command's result instead of throwing. @default false */
  readonly allowFailure?: boolean;
}

/** Runs a command to its end, output captured; throws with its output when it fails (unless allowed). */
export function run(command: string, args: readonly string[], options: RunOptions): CommandResult {
  const started = performance.now();
  const child = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = {
    code: child.status ?? 1,
    stdout: child.stdout ?? '',
    stderr: child.stderr ?? String(child.error ?? ''),
    ms: performance.now() - started,
  };
  if (result.code !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}
