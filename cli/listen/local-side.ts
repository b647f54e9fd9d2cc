import type { IngestDeps } from '../../lambdas/ingest/pipeline';
import { replayDeps } from '../commands/replay';
import { runningGateway } from '../state';
import { resolveTarget, type Target } from '../target';

/** The running local gateway, as listen forwards into it: its ingest ports per webhook. */
export interface LocalGateway {
  readonly url: string;
  readonly webhooks: readonly string[];
  /** The ingest's ports of the gateway serving `webhook`, or undefined when the local app has no such webhook. */
  depsFor(webhook: string): IngestDeps | undefined;
}

/**
 * The local gateway of a state directory, followed across restarts: `current()` answers the running
 * one (reconnecting when it was restarted, since its embedded servers then listen on new ports), or
 * undefined while none runs.
 */
export class LocalSide {
  private target: Target | undefined;
  private identity = '';
  private readonly deps = new Map<string, IngestDeps>();

  constructor(
    private readonly stateDir: string,
    private readonly warn: (text: string) => void,
  ) {}

  async current(): Promise<LocalGateway | undefined> {
    const state = await runningGateway(this.stateDir);
    const identity = state ? `${state.pid} ${state.startedAt}` : '';
    if (identity !== this.identity) {
      this.close();
      this.identity = '';
      if (state) this.target = await resolveTarget({ stateDir: this.stateDir });
      this.identity = identity;
    }
    const target = this.target;
    if (!state || !target) return undefined;
    return {
      url: state.url,
      webhooks: target.gateways.flatMap((g) => g.webhooks),
      depsFor: (webhook) => {
        const gateway = target.gateways.find((g) => g.webhooks.includes(webhook));
        if (!gateway) return undefined;
        let deps = this.deps.get(gateway.id);
        if (!deps) this.deps.set(gateway.id, (deps = replayDeps(target, gateway, this.warn)));
        return deps;
      },
    };
  }

  close(): void {
    this.target?.close();
    this.target = undefined;
    this.deps.clear();
  }
}
