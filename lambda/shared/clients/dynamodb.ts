import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Created once per Lambda container (module scope), one module per client so a step loads only the
 * clients it calls. Region and credentials come from the environment; the rehearsal intercepts
 * `send` on the client class (lib/rehearsal/sdk-interceptor.ts), so no endpoint is configured.
 */
export const dynamoDb = new DynamoDBClient({});
