import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoDbConfigItems } from '../adapters/dynamodb-config-items';
import { createConfigWriter } from './config';
import { createRoutesWriter, ROUTES_RESOURCE_TYPE } from './routes';
import { createSecretWriter, SECRET_RESOURCE_TYPE } from './secrets';

const items = new DynamoDbConfigItems(new DynamoDBClient({}));
const writeConfig = createConfigWriter(items);
const writeRoutes = createRoutesWriter(items);
const writeSecret = createSecretWriter(new SecretsManagerClient({}));

/**
 * `onEvent` of the Provider framework behind Custom::WebhookGatewayConfig and
 * Custom::WebhookGatewaySecret (the gateway's writer), and Custom::WebhookGatewayRoutes (the writer
 * of a stack that adds routes to an imported gateway).
 */
export const handler = (event: CloudFormationCustomResourceEvent) =>
  event.ResourceType === SECRET_RESOURCE_TYPE
    ? writeSecret(event)
    : event.ResourceType === ROUTES_RESOURCE_TYPE
      ? writeRoutes(event)
      : writeConfig(event);
