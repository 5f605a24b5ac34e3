/**
 * The command line, parsed and checked without any AWS call: `node:util` parseArgs per command,
 * then every value checked with the same rules the workflow applies (the shared version pattern,
 * the request limits). A refusal is a UsageError naming the flag and the value.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BAKE_LIMITS, HEALTH_TIMEOUT_LIMITS } from '../contract/request';
import { assertValidVersion, describeValue, InvalidRequestError } from '../contract/version';
import { HANDLER_SOURCES, type HandlerSource } from '../rehearsal/handler-source';
import { isProfileName, PROFILES, type ProfileName } from '../rehearsal/region/profile';
import { UsageError } from './errors';

export const COMMANDS = ['release', 'rollback', 'status', 'history', 'approve', 'reject'] as const;
export type CommandName = (typeof COMMANDS)[number];

export type ApprovalAnswer = 'approve' | 'reject';

/** Where the service is: a stack (and which of its services), or the state machine. */
export interface ServiceTarget {
  readonly stack?: string;
  readonly service?: string;
  readonly stateMachineArn?: string;
  readonly region?: string;
}

/** `--rehearse`: run against a fresh simulated region, in-process, on a virtual clock. */
export interface RehearseSettings {
  /**
   * What to rehearse: a cloud assembly folder (`cdk.out`) or one synthesized template file.
   * @default - the environment's default (`cdk.out` in the current folder for the installed CLI)
   */
  readonly template?: string;
  /** How harsh the simulated region is (lib/rehearsal/region/profile.ts). */
  readonly profile: ProfileName;
  /** Where the step handlers come from: the deployed bundles, or the `lambda/` sources. */
  readonly handlers: HandlerSource;
  /** Released one after the other before the command runs. */
  readonly versions: readonly string[];
  /** Versions whose instances never pass a health check in the rehearsal. */
  readonly unhealthyVersions: readonly string[];
  /** How the rehearsal answers approval requests, standing in for the operator. */
  readonly answer: ApprovalAnswer;
}

interface Common {
  readonly target: ServiceTarget;
  readonly rehearse?: RehearseSettings;
}

export type CliCommand =
  | { readonly name: 'help'; readonly topic?: CommandName }
  | (Common & {
      readonly name: 'release';
      readonly version: string;
      readonly follow: boolean;
      readonly capacity?: number;
      readonly bakeSeconds?: number;
      readonly healthTimeoutSeconds?: number;
    })
  | (Common & { readonly name: 'rollback'; readonly follow: boolean })
  | (Common & { readonly name: 'status' })
  | (Common & { readonly name: 'history'; readonly limit: number })
  | (Common & { readonly name: 'approve' | 'reject'; readonly reason?: string });

export type ServiceCommand = Exclude<CliCommand, { name: 'help' }>;

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

const SHARED_OPTIONS: OptionSpecs = {
  stack: { type: 'string' },
  service: { type: 'string' },
  'state-machine': { type: 'string' },
  region: { type: 'string' },
  rehearse: { type: 'boolean' },
  'rehearse-template': { type: 'string' },
  // The flag's first name, kept working.
  template: { type: 'string' },
  'rehearse-profile': { type: 'string' },
  'rehearse-handlers': { type: 'string' },
  'rehearse-answer': { type: 'string' },
  'rehearse-versions': { type: 'string' },
  'rehearse-unhealthy': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
};

const COMMAND_OPTIONS: Record<CommandName, OptionSpecs> = {
  release: {
    follow: { type: 'boolean' },
    capacity: { type: 'string' },
    'bake-seconds': { type: 'string' },
    'health-timeout-seconds': { type: 'string' },
  },
  rollback: { follow: { type: 'boolean' } },
  status: {},
  history: { limit: { type: 'string' } },
  approve: { reason: { type: 'string' } },
  reject: { reason: { type: 'string' } },
};

export const HISTORY_LIMITS = { min: 1, max: 1000, default: 10 } as const;
/** SendTaskFailure takes a cause of up to 32,768 characters; a reason is a sentence. */
export const REASON_MAX_LENGTH = 1024;
/** What the rehearsal releases before the command, so that there is something to show. */
export const DEFAULT_REHEARSAL_VERSIONS = ['1.0.0'];
/** A rollback needs a previous version to go back to. */
export const DEFAULT_REHEARSAL_VERSIONS_FOR_ROLLBACK = ['1.0.0', '1.1.0'];

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:\s]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function parseCommandLine(argv: readonly string[]): CliCommand {
  const [first, ...rest] = argv;
  if (first === undefined) {
    throw new UsageError(`missing command: bluegreen <${COMMANDS.join('|')}> [flags] (see bluegreen --help)`);
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    return { name: 'help', ...(isCommand(topic) ? { topic } : {}) };
  }
  if (!isCommand(first)) {
    throw new UsageError(
      `unknown command ${describeValue(first)}: expected one of ${COMMANDS.join(', ')} (see bluegreen --help)`,
    );
  }
  const name = first;
  const { values, positionals } = parseFlags(name, rest);
  if (values.help === true) return { name: 'help', topic: name };

  const common: Common = {
    target: serviceTarget(values),
    ...(values.rehearse === true ? { rehearse: rehearseSettings(name, values) } : rehearseFlagsAlone(values)),
  };
  switch (name) {
    case 'release': {
      if (positionals.length === 0)
        throw new UsageError('release needs a version: bluegreen release <version>');
      expectPositionals(name, positionals, 1);
      return {
        name,
        ...common,
        version: checked(() => assertValidVersion('version', positionals[0])),
        follow: values.follow === true,
        ...optionalWhole(values, 'capacity', 1, Number.MAX_SAFE_INTEGER, 'capacity'),
        ...optionalWhole(values, 'bake-seconds', BAKE_LIMITS.min, BAKE_LIMITS.max, 'bakeSeconds'),
        ...optionalWhole(
          values,
          'health-timeout-seconds',
          HEALTH_TIMEOUT_LIMITS.min,
          HEALTH_TIMEOUT_LIMITS.max,
          'healthTimeoutSeconds',
        ),
      };
    }
    case 'rollback':
      expectPositionals(name, positionals, 0);
      return { name, ...common, follow: values.follow === true };
    case 'status':
      expectPositionals(name, positionals, 0);
      return { name, ...common };
    case 'history': {
      expectPositionals(name, positionals, 0);
      const limit = optionalWhole(values, 'limit', HISTORY_LIMITS.min, HISTORY_LIMITS.max, 'limit').limit;
      return { name, ...common, limit: limit ?? HISTORY_LIMITS.default };
    }
    case 'approve':
    case 'reject': {
      expectPositionals(name, positionals, 0);
      const reason = values.reason as string | undefined;
      if (reason !== undefined && (reason.trim().length === 0 || reason.length > REASON_MAX_LENGTH)) {
        throw new UsageError(
          `--reason (${describeValue(reason)}) must be 1 to ${REASON_MAX_LENGTH} characters of text`,
        );
      }
      return { name, ...common, ...(reason !== undefined ? { reason: reason.trim() } : {}) };
    }
  }
}

function isCommand(value: string | undefined): value is CommandName {
  return (COMMANDS as readonly string[]).includes(value ?? '');
}

type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parseFlags(name: CommandName, args: string[]): { values: FlagValues; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { ...SHARED_OPTIONS, ...COMMAND_OPTIONS[name] },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) {
      throw new UsageError(`unknown flag ${unknown[1]} for "${name}" (see bluegreen ${name} --help)`);
    }
    const missingValue = /Option '(-\S+)[^']*' argument missing/.exec(message);
    if (missingValue) throw new UsageError(`${missingValue[1]} needs a value (see bluegreen ${name} --help)`);
    throw new UsageError(`${message.split('\n')[0]} (see bluegreen ${name} --help)`);
  }
}

function expectPositionals(name: CommandName, positionals: string[], count: number): void {
  if (positionals.length > count) {
    throw new UsageError(`unexpected argument ${describeValue(positionals[count])} for "${name}"`);
  }
}

function serviceTarget(values: FlagValues): ServiceTarget {
  const stack = nonEmpty(values, 'stack');
  const service = nonEmpty(values, 'service');
  const stateMachineArn = nonEmpty(values, 'state-machine');
  const region = nonEmpty(values, 'region');
  if (stack !== undefined && stateMachineArn !== undefined) {
    throw new UsageError('--stack and --state-machine both name the service: pass one of them');
  }
  if (service !== undefined && stateMachineArn !== undefined) {
    throw new UsageError('--service picks a service of a --stack; a --state-machine already names one');
  }
  if (stateMachineArn !== undefined && !STATE_MACHINE_ARN.test(stateMachineArn)) {
    throw new UsageError(
      `--state-machine (${describeValue(stateMachineArn)}) must be a state machine ARN: arn:aws:states:<region>:<account>:stateMachine:<name>`,
    );
  }
  if (region !== undefined && !REGION.test(region)) {
    throw new UsageError(`--region (${describeValue(region)}) must be a region name such as eu-west-1`);
  }
  return {
    ...(stack !== undefined ? { stack } : {}),
    ...(service !== undefined ? { service } : {}),
    ...(stateMachineArn !== undefined ? { stateMachineArn } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}

function rehearseSettings(name: CommandName, values: FlagValues): RehearseSettings {
  const answer = (values['rehearse-answer'] as string | undefined) ?? 'approve';
  if (answer !== 'approve' && answer !== 'reject') {
    throw new UsageError(`--rehearse-answer (${describeValue(answer)}) must be approve or reject`);
  }
  const listed = values['rehearse-versions'] as string | undefined;
  const versions =
    listed === undefined
      ? name === 'rollback'
        ? DEFAULT_REHEARSAL_VERSIONS_FOR_ROLLBACK
        : DEFAULT_REHEARSAL_VERSIONS
      : listed.split(',').map((v) => checked(() => assertValidVersion('--rehearse-versions', v.trim())));
  const unhealthyVersions = ((values['rehearse-unhealthy'] as string[] | undefined) ?? []).map((v) =>
    checked(() => assertValidVersion('--rehearse-unhealthy', v)),
  );
  const profile = (values['rehearse-profile'] as string | undefined) ?? 'typical';
  if (!isProfileName(profile)) {
    throw new UsageError(
      `--rehearse-profile (${describeValue(profile)}) must be one of ${Object.keys(PROFILES).join(', ')}`,
    );
  }
  const handlers = (values['rehearse-handlers'] as string | undefined) ?? 'bundles';
  if (!(HANDLER_SOURCES as readonly string[]).includes(handlers)) {
    throw new UsageError(
      `--rehearse-handlers (${describeValue(handlers)}) must be one of ${HANDLER_SOURCES.join(', ')}`,
    );
  }
  if (values['rehearse-template'] !== undefined && values.template !== undefined) {
    throw new UsageError('--rehearse-template and --template name the same thing: pass one of them');
  }
  const template = nonEmpty(values, 'rehearse-template') ?? nonEmpty(values, 'template');
  return {
    versions,
    unhealthyVersions,
    answer,
    profile,
    handlers: handlers as HandlerSource,
    ...(template !== undefined ? { template } : {}),
  };
}

/** The rehearsal's own flags mean nothing against AWS: refuse them rather than ignore them. */
function rehearseFlagsAlone(values: FlagValues): Record<string, never> {
  for (const flag of [
    'rehearse-template',
    'template',
    'rehearse-profile',
    'rehearse-handlers',
    'rehearse-answer',
    'rehearse-versions',
    'rehearse-unhealthy',
  ]) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --rehearse`);
  }
  return {};
}

function nonEmpty(values: FlagValues, flag: string): string | undefined {
  const value = values[flag] as string | undefined;
  if (value !== undefined && value.trim().length === 0) {
    throw new UsageError(`--${flag} (${describeValue(value)}) must not be empty`);
  }
  return value;
}

function optionalWhole<K extends string>(
  values: FlagValues,
  flag: string,
  min: number,
  max: number,
  key: K,
): Partial<Record<K, number>> {
  const raw = values[flag] as string | undefined;
  if (raw === undefined) return {};
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`--${flag} (${describeValue(raw)}) must be a whole number ${range}`);
  }
  return { [key]: n } as Partial<Record<K, number>>;
}

/** The shared validators throw InvalidRequestError; on the command line that is a UsageError. */
function checked<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidRequestError) throw new UsageError(error.message);
    throw error;
  }
}
