import { type KeyringOpener, napiKeyring } from '../aws/credentialsStore';

/** Where the assistant is and how long to wait for it. */
export interface AssistantSettings {
  /** The OpenAI-compatible API base, ending where `/chat/completions` is appended (`…/v1`). */
  baseUrl: string;
  model: string;
  /** Absent for servers that want none (ollama, llama.cpp's server, vLLM without `--api-key`). */
  apiKey?: string;
  /** Where the key came from, for people (never the key): `INFRADECK_AI_API_KEY`, `the keyring`. */
  keyFrom?: string;
  /** Until the response starts (headers); a model that still loads is slow here. */
  connectTimeoutMs: number;
  /** Between two pieces of the streamed answer. */
  idleTimeoutMs: number;
}

export const defaultConnectTimeoutMs = 120_000;
export const defaultIdleTimeoutMs = 60_000;

export type SettingsLookup = { ok: true; settings: AssistantSettings } | { ok: false; message: string };

/** How to configure an endpoint, with an ollama example: what `ask` prints when there is none. */
export function configureHelp(missing: readonly string[]): string {
  return [
    `no assistant endpoint is configured (${missing.join(' and ')} not set). Set:`,
    '  INFRADECK_AI_BASE_URL  an OpenAI-compatible API base: http://127.0.0.1:11434/v1 (ollama),',
    '                         http://127.0.0.1:8080/v1 (llama.cpp llama-server), http://127.0.0.1:8000/v1 (vLLM),',
    '                         https://api.openai.com/v1 (OpenAI)',
    '  INFRADECK_AI_MODEL     the model to ask: llama3.2, qwen2.5:7b, gpt-4o-mini…',
    '  INFRADECK_AI_API_KEY   the key, when the server wants one (or in the OS keyring: service infradeck,',
    '                         account ai:<host of the base URL>)',
    'For example, with ollama:',
    '  ollama pull llama3.2',
    '  export INFRADECK_AI_BASE_URL=http://127.0.0.1:11434/v1 INFRADECK_AI_MODEL=llama3.2',
    '`infradeck advise` works without an endpoint.',
  ].join('\n');
}

/**
 * The settings from `INFRADECK_AI_BASE_URL`, `INFRADECK_AI_MODEL` and the key from `INFRADECK_AI_API_KEY`, else
 * the keyring (`infradeck` / `ai:<host>`, as the CI tokens use it), else none.
 */
export async function assistantSettings(
  env: NodeJS.ProcessEnv,
  opts: { keyring?: KeyringOpener; timeoutMs?: number } = {},
): Promise<SettingsLookup> {
  const baseUrl = env.INFRADECK_AI_BASE_URL?.trim().replace(/\/+$/, '');
  const model = env.INFRADECK_AI_MODEL?.trim();
  const missing = [...(baseUrl ? [] : ['INFRADECK_AI_BASE_URL']), ...(model ? [] : ['INFRADECK_AI_MODEL'])];
  if (!baseUrl || !model) return { ok: false, message: configureHelp(missing) };
  let url: URL;
  try {
    url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return {
      ok: false,
      message: `INFRADECK_AI_BASE_URL "${baseUrl}" is not an http(s) URL (like http://127.0.0.1:11434/v1)`,
    };
  }
  const timeouts = {
    connectTimeoutMs: opts.timeoutMs ?? defaultConnectTimeoutMs,
    idleTimeoutMs: opts.timeoutMs ?? defaultIdleTimeoutMs,
  };
  const fromEnv = env.INFRADECK_AI_API_KEY?.trim();
  if (fromEnv)
    return {
      ok: true,
      settings: { baseUrl, model, apiKey: fromEnv, keyFrom: 'INFRADECK_AI_API_KEY', ...timeouts },
    };
  const fromKeyring = await keyringKey(opts.keyring ?? napiKeyring, `ai:${url.host}`);
  return {
    ok: true,
    settings: {
      baseUrl,
      model,
      ...(fromKeyring ? { apiKey: fromKeyring, keyFrom: 'the keyring' } : {}),
      ...timeouts,
    },
  };
}

async function keyringKey(open: KeyringOpener, account: string): Promise<string | undefined> {
  try {
    const entry = await open('infradeck', account);
    return (await entry.getPassword())?.trim() || undefined;
  } catch {
    // No keyring module or no secret service (most servers): no key, which local servers do not need.
    return undefined;
  }
}
