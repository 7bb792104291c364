import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { errorMessage } from '../cloud/cloudError';

/** Keys typed into the login form. */
export interface AccessKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type KeyringResult = { ok: true } | { ok: false; reason: string };

/** The part of `@napi-rs/keyring` we use. */
export interface KeyringEntry {
  setPassword(password: string): Promise<void>;
  getPassword(): Promise<string | null | undefined>;
  deletePassword(): Promise<boolean>;
}
export type KeyringOpener = (service: string, account: string) => Promise<KeyringEntry>;

export const noKeyringMessage =
  'no keyring on this machine: use AWS_PROFILE / `aws configure` / environment variables instead (nothing was stored)';

const service = 'infradeck';

/** The OS keyring through the optional `@napi-rs/keyring`, loaded only when first needed. */
export const napiKeyring: KeyringOpener = async (svc, account) => {
  const mod = (await import('@napi-rs/keyring')) as typeof import('@napi-rs/keyring');
  const entry = new mod.AsyncEntry(svc, account);
  return {
    setPassword: (p) => entry.setPassword(p),
    getPassword: () => entry.getPassword(),
    deletePassword: () => entry.deletePassword(),
  };
};

function checkKeys(keys: AccessKeys): string | undefined {
  if (!/^(AKIA|ASIA|[A-Z0-9]{4})[A-Z0-9]{12,124}$/.test(keys.accessKeyId.trim())) {
    return 'access key id: expected 16 or more capital letters and digits, like AKIA…';
  }
  if (keys.secretAccessKey.trim().length < 16) return 'secret access key: too short to be one';
  return undefined;
}

/**
 * Keeps access keys typed into the login form in the OS keyring, and nowhere else: when there is no keyring
 * (the module is missing, or no secret service runs, as on most servers), nothing is stored and the form
 * says so. Secrets never reach a file, a log or an error message.
 */
export class CredentialsStore {
  constructor(private readonly open: KeyringOpener = napiKeyring) {}

  private async entry(label: string): Promise<KeyringEntry | string> {
    try {
      return await this.open(service, `aws:${label}`);
    } catch {
      return noKeyringMessage;
    }
  }

  async save(label: string, keys: AccessKeys): Promise<KeyringResult> {
    const bad = checkKeys(keys);
    if (bad) return { ok: false, reason: bad };
    const entry = await this.entry(label);
    if (typeof entry === 'string') return { ok: false, reason: entry };
    const secret = JSON.stringify({
      accessKeyId: keys.accessKeyId.trim(),
      secretAccessKey: keys.secretAccessKey.trim(),
      ...(keys.sessionToken ? { sessionToken: keys.sessionToken.trim() } : {}),
    });
    try {
      await entry.setPassword(secret);
      return { ok: true };
    } catch (err) {
      // The keyring's own message never contains the secret; ours must not either.
      return { ok: false, reason: `${noKeyringMessage} (${errorMessage(err)})` };
    }
  }

  /** The stored keys, `undefined` when none are stored, or why the keyring cannot be read. */
  async load(label: string): Promise<AccessKeys | undefined | { error: string }> {
    const entry = await this.entry(label);
    if (typeof entry === 'string') return { error: entry };
    let text: string | null | undefined;
    try {
      text = await entry.getPassword();
    } catch (err) {
      return { error: `${noKeyringMessage} (${errorMessage(err)})` };
    }
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as AccessKeys;
      if (typeof parsed.accessKeyId === 'string' && typeof parsed.secretAccessKey === 'string') return parsed;
    } catch {
      // fall through
    }
    return { error: `the keyring entry for "${label}" is not in infradeck's format: log in again` };
  }

  async forget(label: string): Promise<KeyringResult> {
    const entry = await this.entry(label);
    if (typeof entry === 'string') return { ok: false, reason: entry };
    try {
      await entry.deletePassword();
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `could not remove the keys from the keyring: ${errorMessage(err)}` };
    }
  }

  /** A credentials provider for AwsSettings.credentials, reading the keyring when the SDK first asks. */
  provider(label: string): AwsCredentialIdentityProvider {
    return async (): Promise<AwsCredentialIdentity> => {
      const keys = await this.load(label);
      if (!keys)
        throw Object.assign(new Error(`no keys stored in the keyring for "${label}": log in again`), {
          name: 'CredentialsProviderError',
        });
      if ('error' in keys) throw Object.assign(new Error(keys.error), { name: 'CredentialsProviderError' });
      return {
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        sessionToken: keys.sessionToken,
      };
    };
  }
}
