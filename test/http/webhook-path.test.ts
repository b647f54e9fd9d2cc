import { describe, expect, it } from 'vitest';
import { webhookNameOf } from '../../lambdas/core/http/webhook-path';

describe('webhookNameOf', () => {
  it('reads the path parameter, or the last /webhooks/<name> of the path (stage prefix allowed)', () => {
    expect(webhookNameOf({ pathParameters: { name: 'a-b_c' }, path: '/x' })).toBe('a-b_c');
    expect(webhookNameOf({ pathParameters: null, path: '/prod/webhooks/stripe' })).toBe('stripe');
    expect(webhookNameOf({ pathParameters: null, path: '/webhooks/stripe/' })).toBe('stripe');
    expect(webhookNameOf({ pathParameters: null, path: '/webhooks/a%2Fb' })).toBeUndefined();
  });

  it('prefers the path parameter over the path', () => {
    expect(webhookNameOf({ pathParameters: { name: 'github' }, path: '/webhooks/stripe' })).toBe('github');
  });

  it('decodes a percent-encoded name before checking it', () => {
    expect(webhookNameOf({ path: '/webhooks/%67ithub' })).toBe('github');
    expect(webhookNameOf({ pathParameters: { name: 'git%68ub' } })).toBe('github');
  });

  it('is undefined for a name that is not a valid webhook name, malformed encoding included', () => {
    for (const name of ['UPPER', '-leading-dash', 'a'.repeat(65), 'sp%20ace', '%E0%A4%A', '..']) {
      expect(webhookNameOf({ path: `/webhooks/${name}` }), name).toBeUndefined();
      expect(webhookNameOf({ pathParameters: { name } }), name).toBeUndefined();
    }
  });

  it('is undefined for a path that names no webhook', () => {
    for (const path of ['/other/github', '/webhooks/', '/webhooks', '/webhooks/a/b', '', null, undefined]) {
      expect(webhookNameOf({ pathParameters: null, path }), String(path)).toBeUndefined();
    }
    expect(webhookNameOf({})).toBeUndefined();
  });
});
