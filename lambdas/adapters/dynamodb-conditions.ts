import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

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
