import { LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Created once per Lambda container (module scope), one module per client so a handler loads
 * only the clients it calls. Region and credentials come from the environment; the rehearsal
 * intercepts `send` on the client class (lib/rehearsal/sdk-interceptor.ts).
 */
export const lambdaClient = new LambdaClient({});
