import type { VerifierConfig } from '../../lambdas/core/config/verifier';
import type { CommandContext } from '../commands/context';
import { sampleCatalog } from '.';

/** `--list-events`: the sample event types on stdout, one a line (the default first); where they come from on stderr. */
export function listSampleEvents(ctx: CommandContext, webhook: string, verifier: VerifierConfig): number {
  const catalog = sampleCatalog(verifier);
  const header = catalog.header !== undefined ? `, sent with the type in ${catalog.header}` : '';
  ctx.stderr.write(
    `sample events for webhook "${webhook}" (${catalog.provider}${header}; ${catalog.source}). The first is the default; --event TYPE picks one, --set path=value changes a field:\n`,
  );
  ctx.stdout.write(`${catalog.events.join('\n')}\n`);
  return 0;
}
