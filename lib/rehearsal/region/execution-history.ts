/**
 * An execution's history as GetExecutionHistory returns it: events numbered from 1, each with
 * the real type name (`TaskStateEntered`, `LambdaFunctionScheduled`, `TaskSubmitted`...) and its
 * details under the member the SDK names (`stateEnteredEventDetails`, `taskScheduledEventDetails`...).
 * Input and output travel as JSON strings, as on AWS.
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One event, as the SDK's `HistoryEvent` (timestamp kept as epoch ms until answered). */
export interface RecordedHistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly time: number;
  readonly type: string;
  /** The `*EventDetails` member, if the type has one. */
  readonly detailsKey?: string;
  readonly details?: Record<string, Json>;
}

/** The members that carry execution data, dropped when `includeExecutionData` is false. */
const DATA_MEMBERS = ['input', 'inputDetails', 'output', 'outputDetails'];

/** What one Task's integration looks like in the history. */
export interface TaskResource {
  /** `lambda` for a function ARN (LambdaFunction* events), else the service (Task* events). */
  readonly resourceType: string;
  /** The function ARN, or the integration's action (`publish.waitForTaskToken`). */
  readonly resource: string;
  readonly region: string;
}

const data = (value: Json) => (value === undefined ? 'null' : JSON.stringify(value));
const notTruncated = { truncated: false };

export class ExecutionHistory {
  private readonly events: RecordedHistoryEvent[] = [];

  constructor(private readonly now: () => number) {}

  public list(): readonly RecordedHistoryEvent[] {
    return this.events;
  }

  public executionStarted(input: Json, roleArn: string | undefined, time?: number): void {
    this.add(
      'ExecutionStarted',
      'executionStartedEventDetails',
      { input: data(input), inputDetails: notTruncated, ...(roleArn ? { roleArn } : {}) },
      time,
    );
  }

  public executionSucceeded(output: Json, time?: number): void {
    this.add(
      'ExecutionSucceeded',
      'executionSucceededEventDetails',
      { output: data(output), outputDetails: notTruncated },
      time,
    );
  }

  /** `ExecutionFailed`, `ExecutionAborted` or `ExecutionTimedOut`. */
  public executionEnded(
    type: 'ExecutionFailed' | 'ExecutionAborted' | 'ExecutionTimedOut',
    error: string | undefined,
    cause: string | undefined,
    time?: number,
  ): void {
    const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    this.add(type, key, errorDetails(error, cause), time);
  }

  /** `<StateType>StateEntered`, e.g. TaskStateEntered, ChoiceStateEntered, WaitStateEntered. */
  public stateEntered(stateType: string, name: string, input: Json, time?: number): void {
    this.add(
      `${stateType}StateEntered`,
      'stateEnteredEventDetails',
      {
        name,
        input: data(input),
        inputDetails: notTruncated,
      },
      time,
    );
  }

  /** `<StateType>StateExited`. Fail states have none: the execution fails instead. */
  public stateExited(stateType: string, name: string, output: Json, time?: number): void {
    this.add(
      `${stateType}StateExited`,
      'stateExitedEventDetails',
      {
        name,
        output: data(output),
        outputDetails: notTruncated,
      },
      time,
    );
  }

  /** LambdaFunctionScheduled (a function ARN) or TaskScheduled (a service integration). */
  public taskScheduled(task: TaskResource, parameters: Json, timeoutSeconds: number | undefined): void {
    if (task.resourceType === 'lambda') {
      this.add('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
        resource: task.resource,
        input: data(parameters),
        inputDetails: notTruncated,
        ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
      });
      return;
    }
    this.add('TaskScheduled', 'taskScheduledEventDetails', {
      resourceType: task.resourceType,
      resource: task.resource,
      region: task.region,
      parameters: data(parameters),
      ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
    });
  }

  public taskStarted(task: TaskResource): void {
    if (task.resourceType === 'lambda') this.add('LambdaFunctionStarted');
    else this.add('TaskStarted', 'taskStartedEventDetails', resourceOf(task));
  }

  /** The integration's call was made (callback pattern): the task now waits for its token. */
  public taskSubmitted(task: TaskResource, output: Json): void {
    this.add('TaskSubmitted', 'taskSubmittedEventDetails', {
      ...resourceOf(task),
      output: data(output),
      outputDetails: notTruncated,
    });
  }

  public taskSucceeded(task: TaskResource, output: Json): void {
    const details = { output: data(output), outputDetails: notTruncated };
    if (task.resourceType === 'lambda')
      this.add('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', details);
    else this.add('TaskSucceeded', 'taskSucceededEventDetails', { ...resourceOf(task), ...details });
  }

  public taskFailed(task: TaskResource, error: string | undefined, cause: string | undefined): void {
    if (task.resourceType === 'lambda')
      this.add('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', errorDetails(error, cause));
    else
      this.add('TaskFailed', 'taskFailedEventDetails', {
        ...resourceOf(task),
        ...errorDetails(error, cause),
      });
  }

  public taskTimedOut(task: TaskResource, timeoutSeconds: number): void {
    const details = errorDetails('States.Timeout', `Task timed out after ${timeoutSeconds} seconds`);
    if (task.resourceType === 'lambda')
      this.add('LambdaFunctionTimedOut', 'lambdaFunctionTimedOutEventDetails', details);
    else this.add('TaskTimedOut', 'taskTimedOutEventDetails', { ...resourceOf(task), ...details });
  }

  private add(type: string, detailsKey?: string, details?: Record<string, Json>, time?: number): void {
    const id = this.events.length + 1;
    this.events.push({
      id,
      previousEventId: id - 1,
      time: time ?? this.now(),
      type,
      ...(detailsKey ? { detailsKey, details } : {}),
    });
  }
}

/** The SDK shape of one event; without execution data when asked. */
export function historyEventShape(
  event: RecordedHistoryEvent,
  includeExecutionData = true,
): Record<string, Json> {
  const shape: Record<string, Json> = {
    timestamp: new Date(event.time),
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
  };
  if (event.detailsKey && event.details) {
    const details = { ...event.details };
    if (!includeExecutionData) for (const member of DATA_MEMBERS) delete details[member];
    shape[event.detailsKey] = details;
  }
  return shape;
}

function resourceOf(task: TaskResource): { resourceType: string; resource: string } {
  return { resourceType: task.resourceType, resource: task.resource };
}

function errorDetails(error: string | undefined, cause: string | undefined): Record<string, string> {
  return { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
}
