import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { verify } from '../helpers/verify';
import { handler } from './github-signer';

const secretsManager = mockClient(SecretsManagerClient);
afterEach(() => secretsManager.reset());

const SECRET_ID = 'WebhookGatewayInteg/Webhooks/github';
const body = JSON.stringify({ action: 'opened', number: 7, repository: { full_name: 'octo-org/repo' } });

describe("the integration test's GitHub signer", () => {
  it('signs with the generated secret as stored ({"value"}) and the gateway accepts the signature', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"value":"generated-48-characters"}' });
    const { signature } = await handler({ secretId: SECRET_ID, body });
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: SECRET_ID },
    ]);
    expect(await octokitVerify('generated-48-characters', body, signature)).toBe(true);
    const headers = { 'x-hub-signature-256': signature, 'x-github-event': 'pull_request', 'x-github-delivery': 'd1' };
    const verdict = await verify({ type: 'github' }, { headers, body }, '{"value":"generated-48-characters"}');
    expect(verdict).toMatchObject({ ok: true, deliveryId: 'd1', eventType: 'pull_request' });
  });

  it('signs with the first active value of a rotated secret', async () => {
    const stored = { values: [{ value: 'old', expiresAt: '2000-01-01T00:00:00Z' }, { value: 'current' }] };
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(stored) });
    const { signature } = await handler({ secretId: SECRET_ID, body });
    expect(await octokitVerify('current', body, signature)).toBe(true);
  });

  it('fails if the secret has no active value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"values":[]}' });
    await expect(handler({ secretId: SECRET_ID, body })).rejects.toThrow(`secret ${SECRET_ID} has no active value`);
  });
});
