import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createConfigWriter } from './handler';

/** `onEvent` of the Provider framework behind Custom::WebhookGatewayConfig. */
export const handler = createConfigWriter(new DynamoDBClient({}));
