import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The prefix of every advisory this library adds with `Annotations.addWarningV2`. */
export const WARNING_PREFIX = 'cdk-blue-green-ec2';

/** Thrown once per construct with every problem found in its props. */
export class PropsValidationError extends Error {
  /** Every problem found, one line each, e.g. `minCapacity (5) must be <= maxCapacity (3)`. */
  public readonly problems: readonly string[];

  constructor(constructPath: string, problems: readonly string[]) {
    super(
      `Invalid props for ${constructPath} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'PropsValidationError';
    this.problems = problems;
  }
}

/**
 * Collects prop problems so that one synth reports all of them at once (an error per problem
 * would make users fix and re-run once per mistake).
 *
 * Every check skips values that are Tokens: they are only known at deploy time.
 */
export class PropsValidator {
  private readonly problems: string[] = [];

  constructor(private readonly scope: IConstruct) {}

  /** Records a problem; the message names the prop and shows its value. */
  public addProblem(message: string): void {
    this.problems.push(message);
  }

  /** An advisory: synth goes on, `cdk synth` prints it. */
  public warn(id: string, message: string): void {
    Annotations.of(this.scope).addWarningV2(`${WARNING_PREFIX}:${id}`, message);
  }

  /** A whole number within `[min, max]`. Returns true when the value is a concrete, valid number. */
  public integerBetween(name: string, value: number | undefined, min: number, max: number): boolean {
    if (value === undefined || Token.isUnresolved(value)) return false;
    if (!Number.isInteger(value) || value < min || value > max) {
      this.addProblem(`${name} (${value}) must be a whole number between ${min} and ${max}`);
      return false;
    }
    return true;
  }

  /** A duration within `[minSeconds, maxSeconds]`, in whole seconds. */
  public secondsBetween(
    name: string,
    value: Duration | undefined,
    minSeconds: number,
    maxSeconds: number,
  ): boolean {
    const seconds = concreteSeconds(value);
    if (seconds === undefined) return false;
    if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
      this.addProblem(
        `${name} (${formatSeconds(seconds)}) must be a whole number of seconds between ${minSeconds} and ${maxSeconds} seconds`,
      );
      return false;
    }
    return true;
  }

  /** `lowerName <= upperName` when both are concrete. */
  public notGreaterThan(
    lowerName: string,
    lower: number | undefined,
    upperName: string,
    upper: number | undefined,
  ): void {
    if (!isConcreteNumber(lower) || !isConcreteNumber(upper)) return;
    if (lower > upper) {
      this.addProblem(`${lowerName} (${lower}) must be <= ${upperName} (${upper})`);
    }
  }

  /** A string that must match `pattern`; `describe` says what the pattern means. */
  public matches(name: string, value: string | undefined, pattern: RegExp, describe: string): boolean {
    if (value === undefined || Token.isUnresolved(value)) return false;
    if (!pattern.test(value)) {
      this.addProblem(`${name} (${quote(value)}) must be ${describe}`);
      return false;
    }
    return true;
  }

  /** Whether no problem has been recorded so far. */
  public get valid(): boolean {
    return this.problems.length === 0;
  }

  /**
   * Builds a part that validates its own props, keeping the problems it refuses its props with
   * (prefixed, e.g. `database.`) among this validator's, so that one error lists the problems of
   * every part. Returns undefined when the part refused its props.
   */
  public buildPart<T>(prefix: string, build: () => T): T | undefined {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof PropsValidationError)) throw error;
      this.problems.push(...error.problems.map((problem) => `${prefix}${problem}`));
      return undefined;
    }
  }

  /** Throws one error listing every problem recorded; does nothing when there are none. */
  public throwIfInvalid(): void {
    if (this.problems.length > 0) {
      throw new PropsValidationError(this.scope.node.path, this.problems);
    }
  }
}

/** The whole seconds of a Duration, or undefined when it is absent or a Token. */
export function concreteSeconds(value: Duration | undefined): number | undefined {
  if (value === undefined || value.isUnresolved()) return undefined;
  return value.toSeconds({ integral: false });
}

export function isConcreteNumber(value: number | undefined): value is number {
  return value !== undefined && !Token.isUnresolved(value);
}

export function formatSeconds(seconds: number): string {
  return `${seconds} s`;
}

/** Quotes a string value for a message, truncated so a pasted script cannot flood the error. */
export function quote(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}

/**
 * How cdk-nag (v3) names a wildcard resource in an IAM5 finding, `Resource::<flattened ARN>`, so
 * that an acknowledgement can name exactly that finding. cdk-nag flattens `Fn::GetAtt` to
 * `<Logical.Attr>`, `Ref` to `<Logical>`, `Fn::Join` by joining and `${X}` in `Fn::Sub` to `<X>`.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `Resource::${flattenReference(Stack.of(scope).resolve(arn))}`;
}

function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (Array.isArray(node)) return JSON.stringify(node);
  if (typeof node === 'object' && node !== null) {
    const intrinsic = node as Record<string, unknown>;
    if (intrinsic['Fn::Join']) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (intrinsic['Fn::Sub']) return flattenReference(intrinsic['Fn::Sub']);
    if (intrinsic['Fn::GetAtt']) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (intrinsic['Ref']) return `<${flattenReference(intrinsic['Ref'])}>`;
  }
  return JSON.stringify(node);
}
