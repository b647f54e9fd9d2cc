import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from '../core/config/tables';

/** Whether a conditional write went through: false when its condition failed; any other error is thrown. */
export async function conditionHeld(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Deletes an item only while its `attribute` still holds `owner` (a claimant, an attempt), so that
 * an item someone else took over meanwhile stays. Whether it was deleted.
 */
export function deleteIfOwner(
  client: DynamoDBClient,
  tableName: string,
  key: Record<string, AttributeValue>,
  attribute: string,
  owner: string,
): Promise<boolean> {
  return conditionHeld(
    client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: key,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': attribute },
        ExpressionAttributeValues: { ':owner': { S: owner } },
      }),
    ),
  );
}

/**
 * Adds one to a counter of an existing item (never creating one): the new count, or undefined when
 * there is no such item.
 */
export async function incrementIfExists(
  client: DynamoDBClient,
  tableName: string,
  key: Record<string, AttributeValue>,
  attribute: string,
): Promise<number | undefined> {
  try {
    const result = await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'ADD #counter :one',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#counter': attribute, '#pk': TABLE_KEYS.partitionKey },
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.[attribute]?.N ?? '0');
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
