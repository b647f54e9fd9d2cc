import { describe, expect, it } from 'vitest';
import { parse } from '../../cli/args';
import { gatewayFor } from '../../cli/app-model';
import { closest, editDistance } from '../../cli/suggest';
import type { GatewayConfig } from '../../lambdas/core/config/webhook';
import { cli as run } from './support';

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistance('history', 'history')).toBe(0);
    expect(editDistance('histroy', 'history')).toBe(1);
    expect(editDistance('hstory', 'history')).toBe(1);
    expect(editDistance('historyy', 'history')).toBe(1);
    expect(editDistance('hixtory', 'history')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the nearest candidate within a third of the word, else nothing', () => {
    expect(closest('stirpe', ['github', 'stripe', 'slack'])).toBe('stripe');
    expect(closest('GITHUB', ['github'])).toBe('github');
    expect(closest('xyz', ['github', 'stripe'])).toBeUndefined();
    expect(closest('replya', ['replay', 'redrive'])).toBe('replay');
  });

  it('for a mistyped command (exit 2)', async () => {
    expect(await run('histroy', 'github')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'webhook-gateway: unknown command "histroy" (did you mean "history"?): run webhook-gateway --help\n',
    });
    expect((await run('frobnicate')).stderr).toBe(
      'webhook-gateway: unknown command "frobnicate": run webhook-gateway --help\n',
    );
  });

  it('for a mistyped option', () => {
    expect(() => parse(['github', '--evnt', 'push'], { event: { type: 'string' } })).toThrow(
      "Unknown option '--evnt' (did you mean --event?)",
    );
    expect(() => parse(['--stat-dir', 'x'], {})).toThrow("Unknown option '--stat-dir' (did you mean --state-dir?)");
    expect(() => parse(['--zzz'], {})).toThrow(/^Unknown option '--zzz'$/);
  });

  it('for a mistyped webhook name', () => {
    const config = { webhooks: [{ name: 'github' }, { name: 'stripe' }], routes: [] } as unknown as GatewayConfig;
    expect(() => gatewayFor([{ config }], 'gihtub')).toThrow(
      'unknown webhook "gihtub" (did you mean "github"?): the gateway has github, stripe',
    );
  });

  it('for a mistyped secret action', async () => {
    const result = await run('secret', 'rotat', 'github', '--stack', 'S', '--region', 'eu-west-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'webhook-gateway secret: unknown action "rotat" (did you mean "rotate"?): use get, set or rotate\n',
    );
  });
});
