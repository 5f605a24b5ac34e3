/**
 * The DynamoDB subset the release lock needs: GetItem, BatchGetItem, PutItem, DeleteItem on tables
 * with a partition key only, with two condition forms (not-exists, one equality). Calls are atomic (the simulation is
 * single-threaded), so of two racing conditional writes exactly one wins.
 *
 * Reads without `ConsistentRead: true` are eventually consistent, as on AWS: for
 * EVENTUAL_CONSISTENCY_MS after a write they may still return the item as it was before.
 * BatchGetItem may leave keys unprocessed, as AWS may under load (api-harshness.ts).
 */
import { notSimulated, serviceError } from './errors';
import type { CommandInput, CommandTable } from './commands';
import type { SeededRandom } from './random';

/** How long an eventually consistent read may lag a write. */
export const EVENTUAL_CONSISTENCY_MS = 1000;

export type AttributeValue = Record<string, unknown>;
export type Item = Record<string, AttributeValue>;

export const LockTableMessages = {
  conditionFailed: 'The conditional request failed',
  tableNotFound: 'Requested resource not found',
  keyMismatch: 'The provided key element does not match the schema',
  missingKey: (pk: string) => `One or more parameter values were invalid: Missing the key ${pk} in the item`,
  undefinedName: (name: string) =>
    `Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: ${name}`,
  undefinedValue: (value: string) =>
    `Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: ${value}`,
  unusedNames: (keys: string[]) =>
    `Value provided in ExpressionAttributeNames unused in expressions: keys: {${keys.join(', ')}}`,
  unusedValues: (keys: string[]) =>
    `Value provided in ExpressionAttributeValues unused in expressions: keys: {${keys.join(', ')}}`,
  namesWithoutExpression: 'ExpressionAttributeNames can only be specified when using expressions',
  valuesWithoutExpression: 'ExpressionAttributeValues can only be specified when using expressions',
} as const;

interface Version {
  readonly at: number;
  readonly item: Item | undefined;
}

class Table {
  /** Per key: the current item and the one before it, with write times. */
  public readonly items = new Map<string, { current: Version; previous?: Version }>();
  constructor(
    public readonly name: string,
    public readonly partitionKey: string,
  ) {}
}

/** How often BatchGetItem leaves a key unread (api-harshness.ts), and the draws that decide it. */
export interface BatchReadHarshness {
  readonly unprocessedKeyProbability: number;
  readonly random: SeededRandom;
}

export class LockTables {
  private readonly tables = new Map<string, Table>();

  constructor(
    private readonly now: () => number,
    private readonly batchReads?: BatchReadHarshness,
  ) {}

  public createTable(name: string, partitionKey: string): void {
    if (this.tables.has(name)) throw new Error(`table ${name} already exists`);
    this.tables.set(name, new Table(name, partitionKey));
  }

  /** The current items of a table (for observation and tests). */
  public scan(name: string): Item[] {
    const table = this.tables.get(name);
    if (!table) return [];
    return [...table.items.values()]
      .map((v) => v.current.item)
      .filter((i): i is Item => i !== undefined)
      .map(clone);
  }

  public commands(): CommandTable {
    return {
      GetItem: {
        mutating: false,
        params: ['TableName', 'Key', 'ConsistentRead'],
        run: (input) => this.getItem(input),
      },
      BatchGetItem: {
        mutating: false,
        params: ['RequestItems', 'ReturnConsumedCapacity'],
        run: (input) => this.batchGetItem(input),
      },
      PutItem: {
        mutating: true,
        params: [
          'TableName',
          'Item',
          'ConditionExpression',
          'ExpressionAttributeNames',
          'ExpressionAttributeValues',
          'ReturnValues',
          'ReturnValuesOnConditionCheckFailure',
        ],
        run: (input) => this.putItem(input),
      },
      DeleteItem: {
        mutating: true,
        params: [
          'TableName',
          'Key',
          'ConditionExpression',
          'ExpressionAttributeNames',
          'ExpressionAttributeValues',
          'ReturnValues',
          'ReturnValuesOnConditionCheckFailure',
        ],
        run: (input) => this.deleteItem(input),
      },
    };
  }

  private getItem(input: CommandInput): Record<string, unknown> {
    const table = this.table(input.TableName);
    const key = this.keyOf(table, input.Key, true);
    const entry = table.items.get(key);
    let item = entry?.current.item;
    if (input.ConsistentRead !== true && entry && this.now() - entry.current.at < EVENTUAL_CONSISTENCY_MS) {
      item = entry.previous?.item;
    }
    return item ? { Item: clone(item) } : {};
  }

  /**
   * At most 100 keys in all, no duplicates (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html);
   * every key is processed (AWS may leave some unprocessed under load: callers must read
   * `UnprocessedKeys`, which is always empty here).
   */
  private batchGetItem(input: CommandInput): Record<string, unknown> {
    const requests = (input.RequestItems ?? {}) as Record<
      string,
      { Keys?: unknown[]; ConsistentRead?: boolean }
    >;
    const total = Object.values(requests).reduce((n, r) => n + (r.Keys?.length ?? 0), 0);
    if (total === 0) throw validation('The requestItems parameter is required for BatchGetItem');
    if (total > 100) throw validation('Too many items requested for the BatchGetItem call');
    const responses: Record<string, Item[]> = {};
    const unprocessed: Record<string, { Keys: unknown[]; ConsistentRead?: boolean }> = {};
    let left = 0;
    for (const [name, request] of Object.entries(requests)) {
      const keys = request.Keys ?? [];
      const seen = new Set<string>();
      responses[name] = [];
      for (const key of keys) {
        const id = this.keyOf(this.table(name), key, true);
        if (seen.has(id)) throw validation('Provided list of item keys contains duplicates');
        seen.add(id);
        if (this.leavesUnread()) {
          unprocessed[name] ??= { Keys: [], ...(request.ConsistentRead ? { ConsistentRead: true } : {}) };
          unprocessed[name].Keys.push(clone(key as Item));
          left += 1;
          continue;
        }
        const answer = this.getItem({ TableName: name, Key: key, ConsistentRead: request.ConsistentRead });
        if (answer.Item) responses[name].push(answer.Item as Item);
      }
    }
    if (left === total) {
      throw serviceError(
        'DynamoDB',
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
        400,
      );
    }
    return { Responses: responses, UnprocessedKeys: unprocessed };
  }

  /** Whether BatchGetItem leaves the next key unread (a partial result, as AWS may under load). */
  private leavesUnread(): boolean {
    const harshness = this.batchReads;
    return harshness !== undefined && harshness.random.next() < harshness.unprocessedKeyProbability;
  }

  private putItem(input: CommandInput): Record<string, unknown> {
    const table = this.table(input.TableName);
    const item = input.Item as Item | undefined;
    if (!item || typeof item !== 'object')
      throw validation(
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null",
      );
    if (!(table.partitionKey in item)) throw validation(LockTableMessages.missingKey(table.partitionKey));
    const key = this.keyOf(table, { [table.partitionKey]: item[table.partitionKey] }, false);
    const old = this.check(table, key, input);
    this.write(table, key, clone(item));
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
  }

  private deleteItem(input: CommandInput): Record<string, unknown> {
    const table = this.table(input.TableName);
    const key = this.keyOf(table, input.Key, true);
    const old = this.check(table, key, input);
    if (old) this.write(table, key, undefined);
    return input.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
  }

  /** Evaluates the condition against the current item; returns that item. */
  private check(table: Table, key: string, input: CommandInput): Item | undefined {
    for (const option of ['ReturnValues', 'ReturnValuesOnConditionCheckFailure']) {
      const v = input[option];
      if (v !== undefined && v !== 'NONE' && v !== 'ALL_OLD') throw notSimulated(`DynamoDB ${option}=${v}`);
    }
    const current = table.items.get(key)?.current.item;
    const expression: string | undefined = input.ConditionExpression;
    const names: Record<string, string> | undefined = input.ExpressionAttributeNames;
    const values: Record<string, AttributeValue> | undefined = input.ExpressionAttributeValues;
    if (expression === undefined) {
      if (names) throw validation(LockTableMessages.namesWithoutExpression);
      if (values) throw validation(LockTableMessages.valuesWithoutExpression);
      return current;
    }
    const condition = parseCondition(expression, table.partitionKey);
    const usedNames = condition.kind === 'equals' ? [condition.name] : [];
    const usedValues = condition.kind === 'equals' ? [condition.value] : [];
    for (const n of usedNames)
      if (!names || !(n in names)) throw validation(LockTableMessages.undefinedName(n));
    for (const v of usedValues)
      if (!values || !(v in values)) throw validation(LockTableMessages.undefinedValue(v));
    const unusedNames = Object.keys(names ?? {}).filter((n) => !usedNames.includes(n));
    if (unusedNames.length > 0) throw validation(LockTableMessages.unusedNames(unusedNames));
    const unusedValues = Object.keys(values ?? {}).filter((v) => !usedValues.includes(v));
    if (unusedValues.length > 0) throw validation(LockTableMessages.unusedValues(unusedValues));

    let holds: boolean;
    if (condition.kind === 'not-exists') {
      holds = current === undefined;
    } else {
      const attribute = (names as Record<string, string>)[condition.name];
      const actual = current?.[attribute];
      holds =
        actual !== undefined &&
        sameValue(actual, (values as Record<string, AttributeValue>)[condition.value]);
    }
    if (!holds) {
      const error = serviceError(
        'DynamoDB',
        'ConditionalCheckFailedException',
        LockTableMessages.conditionFailed,
        400,
      );
      if (input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && current) {
        Object.assign(error, { Item: clone(current) });
      }
      throw error;
    }
    return current;
  }

  private write(table: Table, key: string, item: Item | undefined): void {
    const entry = table.items.get(key);
    const version = { at: this.now(), item };
    table.items.set(key, { current: version, previous: entry?.current });
  }

  private table(name: unknown): Table {
    const table = typeof name === 'string' ? this.tables.get(name) : undefined;
    if (!table)
      throw serviceError('DynamoDB', 'ResourceNotFoundException', LockTableMessages.tableNotFound, 400);
    return table;
  }

  private keyOf(table: Table, key: unknown, isKeyMember: boolean): string {
    const attributes = key && typeof key === 'object' ? Object.keys(key) : [];
    if (attributes.length !== 1 || attributes[0] !== table.partitionKey) {
      throw validation(
        isKeyMember ? LockTableMessages.keyMismatch : LockTableMessages.missingKey(table.partitionKey),
      );
    }
    const value = (key as Item)[table.partitionKey];
    const type = value && typeof value === 'object' ? Object.keys(value)[0] : undefined;
    if (type !== 'S' && type !== 'N' && type !== 'B') throw validation(LockTableMessages.keyMismatch);
    return `${type}:${String((value as Record<string, unknown>)[type])}`;
  }
}

type Condition = { kind: 'not-exists' } | { kind: 'equals'; name: string; value: string };

/**
 * Two forms: `attribute_not_exists(<partition key>)` and one equality `#name = :value`; anything
 * else is refused rather than half-evaluated.
 */
function parseCondition(expression: string, partitionKey: string): Condition {
  const text = expression.trim();
  if (text === `attribute_not_exists(${partitionKey})`) return { kind: 'not-exists' };
  const equality = /^(#\w+) = (:\w+)$/.exec(text);
  if (equality) return { kind: 'equals', name: equality[1], value: equality[2] };
  throw notSimulated(`condition ${expression}`);
}

function sameValue(a: AttributeValue, b: AttributeValue | undefined): boolean {
  if (!b) return false;
  const [ta] = Object.keys(a);
  const [tb] = Object.keys(b);
  if (ta !== tb) return false;
  if (ta === 'N') return Number(a.N) === Number(b.N);
  return JSON.stringify(a[ta]) === JSON.stringify(b[tb]);
}

function validation(message: string): Error {
  return serviceError('DynamoDB', 'ValidationException', message, 400);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
