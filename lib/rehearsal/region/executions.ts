/**
 * Step Functions DescribeExecution / StopExecution, answered by the rehearsal runner (which owns
 * the executions) through an ExecutionDirectory.
 */
import { notSimulated, serviceError } from './errors';
import type { CommandInput, CommandTable } from './commands';

export interface ExecutionDirectory {
  describe(arn: string): ({ status: string } & Record<string, unknown>) | undefined;
  stop(arn: string, cause?: string): void;
}

export const ExecutionMessages = {
  doesNotExist: (arn: string) => `Execution Does Not Exist: '${arn}'`,
} as const;

export class Executions {
  private directory?: ExecutionDirectory;

  constructor(private readonly now: () => number) {}

  public setDirectory(directory: ExecutionDirectory): void {
    this.directory = directory;
  }

  public commands(): CommandTable {
    return {
      DescribeExecution: {
        mutating: false,
        params: ['executionArn', 'includedData'],
        run: (input) => this.describe(input),
      },
      StopExecution: {
        mutating: true,
        params: ['executionArn', 'cause', 'error'],
        run: (input) => this.stop(input),
      },
    };
  }

  private describe(input: CommandInput): Record<string, unknown> {
    const arn = String(input.executionArn);
    const found = this.require('DescribeExecution').describe(arn);
    if (!found) throw serviceError('SFN', 'ExecutionDoesNotExist', ExecutionMessages.doesNotExist(arn), 400);
    return { ...found, executionArn: arn, status: found.status };
  }

  private stop(input: CommandInput): Record<string, unknown> {
    const arn = String(input.executionArn);
    const directory = this.require('StopExecution');
    if (!directory.describe(arn))
      throw serviceError('SFN', 'ExecutionDoesNotExist', ExecutionMessages.doesNotExist(arn), 400);
    directory.stop(arn, input.cause);
    return { stopDate: new Date(this.now()) };
  }

  private require(command: string): ExecutionDirectory {
    if (!this.directory) throw notSimulated(`SFN.${command} (no execution directory set)`);
    return this.directory;
  }
}
