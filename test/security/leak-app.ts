import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { WebhookGateway, WebhookSource } from 'aws-webhook-gateway';
import { PROFILES } from '../support/schemes';

/**
 * One webhook per scheme of test/support/schemes, each routed to a workflow that runs locally
 * (Pass → Succeed), synthesized into `outdir` as the cdk CLI would (no bundling).
 */
export function synthesizeLeakApp(outdir: string): string {
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'LeakCheck');
  const gateway = new WebhookGateway(stack, 'Hooks');
  const handle = new sfn.StateMachine(stack, 'Handle', {
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.Pass(stack, 'Take', { parameters: { 'id.$': '$.deliveryId' } }).next(new sfn.Succeed(stack, 'Done')),
    ),
  });
  for (const profile of PROFILES) {
    // Paddle's own window is 5 s: on a busy machine the duplicate (the accepted request again) can
    // come later than that, and be rejected as expired, which is not what this run looks at.
    const source =
      profile.name === 'paddle' ? WebhookSource.paddle({ tolerance: Duration.minutes(1) }) : profile.source();
    gateway.addWebhook(profile.name, { source, eventKey: `'${profile.name}:event'` });
    gateway.route(`${profile.name}:*`, handle, { webhook: profile.name });
  }
  return app.synth().directory;
}
