/**
 * CloudFormation DescribeStacks for the stack the rehearsal was made from: its name and its
 * outputs, resolved from the synthesized template. Any other stack does not exist, in AWS's words.
 */
import type { CommandInput, CommandTable } from './commands';
import { serviceError } from './errors';

export interface StackSpec {
  readonly name: string;
  /** The region in the stack's ARN. @default - the simulated region's name */
  readonly region?: string;
  readonly outputs: readonly { key: string; value: string; description?: string; exportName?: string }[];
}

export const StackMessages = {
  /** (seen) */
  doesNotExist: (id: string) => `Stack with id ${id} does not exist`,
} as const;

interface StackRecord {
  readonly spec: StackSpec;
  readonly stackId: string;
  readonly createdAt: number;
}

export class Stacks {
  private readonly stacks: StackRecord[] = [];

  constructor(
    private readonly now: () => number,
    private readonly regionName: string,
    private readonly accountId: string,
  ) {}

  public create(spec: StackSpec): void {
    const n = this.stacks.length + 1;
    const region = spec.region ?? this.regionName;
    const stackId = `arn:aws:cloudformation:${region}:${this.accountId}:stack/${spec.name}/00000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`;
    this.stacks.push({ spec, stackId, createdAt: this.now() });
  }

  public commands(): CommandTable {
    return {
      DescribeStacks: {
        mutating: false,
        params: ['StackName', 'NextToken'],
        run: (input) => this.describe(input),
      },
    };
  }

  private describe(input: CommandInput): Record<string, unknown> {
    if (input.NextToken !== undefined) {
      throw serviceError('CloudFormation', 'ValidationError', 'Invalid NextToken');
    }
    const asked = input.StackName as string | undefined;
    const found = asked === undefined ? this.stacks : this.stacks.filter((s) => matches(s, asked));
    if (asked !== undefined && found.length === 0) {
      throw serviceError('CloudFormation', 'ValidationError', StackMessages.doesNotExist(asked), 400);
    }
    return {
      Stacks: found.map((s) => ({
        StackId: s.stackId,
        StackName: s.spec.name,
        CreationTime: new Date(s.createdAt),
        StackStatus: 'CREATE_COMPLETE',
        DisableRollback: false,
        NotificationARNs: [],
        Capabilities: ['CAPABILITY_IAM'],
        Outputs: s.spec.outputs.map((o) => ({
          OutputKey: o.key,
          OutputValue: o.value,
          ...(o.description !== undefined ? { Description: o.description } : {}),
          ...(o.exportName !== undefined ? { ExportName: o.exportName } : {}),
        })),
        Tags: [],
        EnableTerminationProtection: false,
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      })),
    };
  }
}

function matches(stack: StackRecord, asked: string): boolean {
  return asked === stack.spec.name || asked === stack.stackId;
}
