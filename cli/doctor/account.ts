import { APIGatewayClient, GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { describeFailure } from '../errors';
import { fail, pass, type CheckResult } from './report';

const CHECK = 'API Gateway logging role';

export const LOGGING_ROLE_FIX =
  "deploy with the gateway's CloudWatch role enabled, or set it in API Gateway settings: aws apigateway update-account --patch-operations op=replace,path=/cloudwatchRoleArn,value=<role arn>";

/**
 * API Gateway writes a REST API's logs to CloudWatch Logs with one role per account and region
 * (GetAccount's cloudwatchRoleArn); without it, creating a stage that logs fails, and nothing is
 * logged.
 */
export async function checkLoggingRole(region: string | undefined): Promise<CheckResult> {
  const client = new APIGatewayClient(region !== undefined ? { region } : {});
  try {
    const account = await client.send(new GetAccountCommand({}));
    if (account.cloudwatchRoleArn) return pass(CHECK, account.cloudwatchRoleArn);
    return fail(
      CHECK,
      `API Gateway in ${await client.config.region()} has no CloudWatch Logs role: the stage's logs cannot be written, and creating a stage that logs fails ("CloudWatch Logs role ARN must be set in account settings to enable logging")`,
      LOGGING_ROLE_FIX,
    );
  } catch (error) {
    return fail(
      CHECK,
      `could not read API Gateway's account settings: ${describeFailure(error)}`,
      'allow apigateway:GET on arn:aws:apigateway:<region>::/account to the credentials you run doctor with, or look in the API Gateway console under Settings (CloudWatch log role ARN)',
    );
  } finally {
    client.destroy();
  }
}
