import { describe, expect, it } from 'vitest';
import {
  CredentialsStore,
  type KeyringEntry,
  type KeyringOpener,
  noKeyringMessage,
} from '../../src/services/aws/credentialsStore';

const keys = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** A keyring in memory, standing in for the OS secret service. */
function memoryKeyring(): { open: KeyringOpener; secrets: Map<string, string>; opened: string[] } {
  const secrets = new Map<string, string>();
  const opened: string[] = [];
  const open: KeyringOpener = async (service, account) => {
    const key = `${service}/${account}`;
    opened.push(key);
    const entry: KeyringEntry = {
      setPassword: async (p) => {
        secrets.set(key, p);
      },
      getPassword: async () => secrets.get(key) ?? null,
      deletePassword: async () => secrets.delete(key),
    };
    return entry;
  };
  return { open, secrets, opened };
}

describe('keys typed into the login form', () => {
  it('are kept in the keyring and handed to the SDK from there', async () => {
    const keyring = memoryKeyring();
    const store = new CredentialsStore(keyring.open);

    expect(await store.save('work', { ...keys, accessKeyId: ` ${keys.accessKeyId} ` })).toEqual({ ok: true });

    expect([...keyring.secrets.keys()]).toEqual(['infradeck/aws:work']);
    expect(await store.load('work')).toEqual(keys);
    expect(await store.provider('work')()).toEqual({ ...keys, sessionToken: undefined });
    expect(await store.forget('work')).toEqual({ ok: true });
    expect(await store.load('work')).toBeUndefined();
    await expect(store.provider('work')()).rejects.toThrow(/no keys stored in the keyring for "work"/);
  });

  it('are refused before the keyring is touched when they cannot be keys', async () => {
    const keyring = memoryKeyring();
    const store = new CredentialsStore(keyring.open);
    const result = await store.save('work', { accessKeyId: 'not a key', secretAccessKey: 'x' });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^access key id: expected/) });
    expect(keyring.opened).toEqual([]);
  });

  it('are not stored anywhere when the keyring module cannot load', async () => {
    const store = new CredentialsStore(async () => {
      throw new Error("Cannot find module '@napi-rs/keyring'");
    });
    expect(await store.save('work', keys)).toEqual({ ok: false, reason: noKeyringMessage });
    expect(await store.load('work')).toEqual({ error: noKeyringMessage });
  });

  it('are not stored when there is no secret service, and the secret is not in the message', async () => {
    const store = new CredentialsStore(async () => ({
      setPassword: async () => {
        throw new Error("Couldn't access platform storage: AccessDenied");
      },
      getPassword: async () => {
        throw new Error("Couldn't access platform storage: AccessDenied");
      },
      deletePassword: async () => false,
    }));
    const result = await store.save('work', keys);
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toContain('no keyring on this machine: use AWS_PROFILE / `aws configure` / environment');
    expect(reason).not.toContain(keys.secretAccessKey);
    expect(reason).not.toContain(keys.accessKeyId);
  });

  it('with the real OS keyring: either round-trips or says there is none', async () => {
    const store = new CredentialsStore();
    const label = `test-${process.pid}-${Date.now()}`;
    const saved = await store.save(label, keys);
    if (saved.ok) {
      try {
        expect(await store.load(label)).toEqual(keys);
      } finally {
        await store.forget(label);
      }
      expect(await store.load(label)).toBeUndefined();
    } else {
      expect(saved.reason).toMatch(/^no keyring on this machine/);
      expect(saved.reason).not.toContain(keys.secretAccessKey);
    }
  });
});
