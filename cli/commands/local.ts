import { COMMAND_SPECS, parse, parsePort, targetFlags } from '../args';
import { runLocalGateway } from '../local/gateway';
import { banner } from '../local/banner';
import type { LocalExecution } from '../local-workflows';
import { describeFailure } from '../errors';
import { coloursFor, executionLabel, humanLine, jsonLine } from '../output';
import { stateDir } from '../state';
import type { CommandContext } from './context';
import { failureText, shortId } from './executions';

export const LOCAL_HELP = `webhook-gateway local [--app CMD] [--port 8787] [--host 127.0.0.1] [--secrets FILE] [--dev-secrets] [--watch] [--in-memory] [--json] [--verbose]

Serves the app's webhooks on http://127.0.0.1:8787/webhooks/{name} with the same handler code as
on AWS: dynalite and local-aws-sqs in process, workflows in aws-local-stepfunctions. History,
dedup records and executions are kept in .webhook-gateway/data/ across restarts.

  --app CMD        the CDK app, as the cdk CLI takes it (a command or a cdk.out directory) (default: cdk.json's "app")
  --port N         port to listen on; 0 picks a free one (default: 8787)
  --host HOST      address to listen on (default: 127.0.0.1)
  --secrets FILE   {"<webhook>": "secret" | ["current", "previous"] | {"publicKey": "…"}}
  --dev-secrets    generate development secrets for webhooks that have none (kept in the state directory)
  --watch          synthesize again when the app's sources change and serve the new config in place
                   (history, queue and waiting workflows stay); a failed synth keeps the last good config
  --in-memory      keep no history or executions on disk (they end with the process)
  --json           one JSON object per delivery on stdout, once final; the banner goes to stderr
  --verbose        the handlers' informational logs on stderr
Secrets also come from WEBHOOK_SECRET_<NAME> (upper-cased, other characters → _).`;

export async function localCommand(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values } = parse(argv, COMMAND_SPECS.local.options);
  if (values.help) return ctx.help(LOCAL_HELP);
  const json = values.json === true;
  const out = (text: string) => ctx.stdout.write(`${text}\n`);
  const err = (text: string) => ctx.stderr.write(`${text}\n`);
  const paintOut = coloursFor(ctx.stdout);
  const paintErr = coloursFor(ctx.stderr);
  const followUp = json ? err : out;
  const paintFollowUp = json ? paintErr : paintOut;

  const onExecutionDone = (e: LocalExecution) => {
    const label = shortId(e);
    if (e.status !== 'SUCCEEDED') followUp(paintFollowUp('red', `    ↳ ${label} ${failureText(e)}`));
    for (const task of e.tasks) {
      const input = JSON.stringify(task.input);
      const shown =
        input.length > 200 ? `${input.slice(0, 199)}… (in full: webhook-gateway executions show ${label})` : input;
      followUp(
        paintFollowUp(
          'gray',
          `    ↳ ${label} task "${task.state}" (${task.resource}) not run locally, input recorded: ${shown}`,
        ),
      );
    }
  };
  await runLocalGateway({
    ...(values.app !== undefined && { app: values.app }),
    cwd: ctx.cwd,
    port: values.port !== undefined ? parsePort(values.port) : 8787,
    host: values.host ?? '127.0.0.1',
    ...(values.secrets !== undefined && { secretsFile: values.secrets }),
    devSecrets: values['dev-secrets'] === true,
    inMemory: values['in-memory'] === true,
    watch: values.watch === true,
    stateDir: stateDir(values['state-dir'], ctx.cwd),
    verbose: values.verbose === true,
    signal: ctx.signal,
    log: err,
    // On a terminal only: a failed start then prints exactly one line.
    progress: ctx.stderr.isTTY ? err : () => undefined,
    report: (line, details = {}) => (json ? out(jsonLine(line)) : out(humanLine(line, details, paintOut))),
    onExecutionDone,
    onWaiterResumed: (key, arn, deliveryId) =>
      followUp(
        paintFollowUp(
          'cyan',
          `    ↳ ${key.pk} ${deliveryId} resumed ${executionLabel(arn)}:${arn.split(':').pop()!.slice(-12)} (waitForWebhook)`,
        ),
      ),
    onReady: (ready) => err(banner(ready, { paint: paintErr, flags: targetFlags(values) })),
    onReloaded: (ready) =>
      err(
        paintErr(
          'green',
          `Reloaded: ${ready.state.gateways.flatMap((g) => g.config.webhooks).length} webhook(s), ${ready.workflows.stateMachineArns.length} workflow(s); history, queue and waiting workflows kept.`,
        ),
      ),
    onReloadFailed: (error) =>
      err(paintErr('red', `Reload failed, still serving the last good config: ${describeFailure(error)}`)),
  });
  err('Stopped.');
  return 0;
}
