import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DynamoDbConfigItems } from '../adapters/dynamodb-config-items';
import { createConfigWriter } from './config';
import { createSecretWriter, SECRET_RESOURCE_TYPE } from './secrets';

const writeConfig = createConfigWriter(new DynamoDbConfigItems(new DynamoDBClient({})));
const writeSecret = createSecretWriter(new SecretsManagerClient({}));

/** `onEvent` of the Provider framework behind Custom::WebhookGatewayConfig and Custom::WebhookGatewaySecret. */
export const handler = (event: CloudFormationCustomResourceEvent) =>
  event.ResourceType === SECRET_RESOURCE_TYPE ? writeSecret(event) : writeConfig(event);
