/**
 * A synchronous invocation (`RequestResponse`) of another function: the probe, for each direct
 * request to an instance, and the user's validator. Lambda answers a function that threw with
 * `FunctionError` and an `{ errorType, errorMessage }` payload; that, and a call that still failed
 * after its retries, comes back as `error`, for the decisions to judge.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { withRetry } from '../../lib/contract/retry';
import { lambdaClient } from '../shared/clients/lambda';
import type { InvocationOutcome } from './decisions';

export async function invokeSynchronously(
  functionName: string,
  payload: unknown,
): Promise<InvocationOutcome> {
  try {
    const output = await withRetry(() =>
      lambdaClient.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      ),
    );
    const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
    const answer: unknown = text ? JSON.parse(text) : undefined;
    if (output.FunctionError) {
      const { errorType, errorMessage } = (answer ?? {}) as { errorType?: string; errorMessage?: string };
      return { error: `${errorType ?? output.FunctionError}: ${errorMessage ?? text}` };
    }
    return { answer };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}
