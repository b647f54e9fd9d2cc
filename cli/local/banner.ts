import { relative } from 'node:path';
import type { Colour } from '../output';
import { schemeLabel, secretKey, secretNeeds } from '../secrets/needs';
import { describeSource } from '../secrets/sources';
import { devMaterial, readDevSecrets } from '../secrets/dev';
import type { ReadyGateway } from './gateway';

/**
 * The banner: each webhook's URL, scheme, where its secret comes from (development secrets shown,
 * to paste into a sender), a ready-to-paste `send` line; then the workflows and the other commands.
 */
export function banner(
  ready: ReadyGateway,
  options: {
    /** What the commands shown need to find this gateway (` --state-dir D`), or nothing. */
    flags: string;
    paint: (colour: Colour, text: string) => string;
  },
): string {
  const { state, secrets, workflows } = ready;
  const { paint } = options;
  const cwd = process.cwd();
  const dev = readDevSecrets(secrets.stateDir);
  const webhooks = state.gateways.flatMap((g) => g.config.webhooks);
  const width = Math.max(...webhooks.map((w) => w.name.length));
  const lines = [
    '',
    paint('bold', `webhook-gateway local — ${state.gateways.map((g) => `${g.stackName}/${g.id}`).join(', ')}`),
    `${webhooks.length} webhook(s) on ${state.url}, backends in process (dynalite ${state.endpoints.dynamodb}, local-aws-sqs ${state.endpoints.sqs})`,
    '',
  ];
  for (const webhook of webhooks) {
    lines.push(
      `  ${paint('bold', webhook.name.padEnd(width))}  ${state.url}/webhooks/${webhook.name}  ${paint('gray', schemeLabel(webhook))}`,
    );
    const pad = ' '.repeat(width + 4);
    for (const need of secretNeeds(webhook)) {
      const key = secretKey(webhook.name, need.ref);
      const source = secrets.sourceOf(webhook.name, need.ref);
      const label = need.ref === 'default' ? 'secret' : `secret ${need.ref}`;
      let value = '';
      if (source.kind === 'dev') {
        const entry = dev[key];
        value = entry?.privateKey
          ? ' (a generated key pair: send signs with its private key)'
          : `: ${devMaterial(entry).values[0]?.value ?? ''}`;
        if (ready.generated.includes(key)) value += paint('yellow', ' (new)');
      }
      lines.push(`${pad}${label} ${describeSource(source, cwd)}${value}`);
    }
    lines.push(`${pad}${paint('cyan', `npx webhook-gateway send ${webhook.name}${options.flags}`)}`);
  }
  const routes = state.gateways.flatMap((g) => g.config.routes);
  if (routes.length > 0) {
    lines.push('', 'Routes (workflows run in aws-local-stepfunctions):');
    for (const route of routes) {
      const machine = route.target.arn.split(':').slice(6).join(':');
      const runs = workflows.stateMachineArns.includes(route.target.arn.split(':').slice(0, 7).join(':'));
      const from = route.webhook ? ` (${route.webhook})` : '';
      lines.push(
        `  ${route.eventKeyPattern}${from} → ${machine}${runs ? '' : paint('yellow', ' — not in this app: recorded, not run')}`,
      );
    }
  }
  const rel = relative(cwd, secrets.stateDir);
  const where = rel === '' ? '.' : rel.startsWith('..') ? secrets.stateDir : rel;
  lines.push(
    '',
    `Then: ${paint('cyan', 'npx webhook-gateway history <webhook>')}, ${paint('cyan', 'replay <webhook> <deliveryId>')}, ${paint('cyan', 'executions')}, ${paint('cyan', 'secret get <webhook>')}, ${paint('cyan', 'redrive')}`,
    paint(
      'gray',
      state.persistent
        ? `State in ${where}/; history and executions kept in ${where}/data/ across restarts. Ctrl-C stops.`
        : `State in ${where}/; history and executions live in memory until you stop (--in-memory). Ctrl-C stops.`,
    ),
    '',
  );
  return lines.join('\n');
}
