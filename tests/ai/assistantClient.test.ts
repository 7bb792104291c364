import { afterEach, describe, expect, it } from 'vitest';
import { type AssistantReply, askAssistant } from '../../src/services/ai/assistantClient';
import type { AssistantSettings } from '../../src/services/ai/assistantSettings';
import { assistantSettings } from '../../src/services/ai/assistantSettings';
import { type ChatServer, chunk, send, sseHead, startChatServer, streams } from './assistantServer';

const question = [{ role: 'user' as const, content: 'why did the scan fail?' }];

describe('the assistant client against a local Chat Completions server', () => {
  let server: ChatServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const settings = (over: Partial<AssistantSettings> = {}): AssistantSettings => ({
    baseUrl: server!.baseUrl,
    model: 'test-model',
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
    ...over,
  });

  async function collect(s: AssistantSettings, signal?: AbortSignal) {
    const call = askAssistant(s, question, { signal });
    const pieces: string[] = [];
    for await (const p of call) pieces.push(p);
    return { pieces, reply: await call.reply() };
  }

  it('streams the answer piece by piece from SSE data: chunks up to [DONE]', async () => {
    server = await startChatServer(streams(['The scan ', 'of eu-west-1 ', 'was throttled.']));
    const { pieces, reply } = await collect(settings({ apiKey: 'sk-test-0123456789abcdef' }));
    expect(pieces).toEqual(['The scan ', 'of eu-west-1 ', 'was throttled.']);
    expect(reply).toMatchObject({
      text: 'The scan of eu-west-1 was throttled.',
      outcome: 'complete',
      streamed: true,
    });
    expect(reply.finishReason).toBe('stop');
    const [req] = server.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body).toMatchObject({ model: 'test-model', stream: true, messages: question });
    expect(req.headers.authorization).toBe('Bearer sk-test-0123456789abcdef');
  });

  it('sends no Authorization header when no key is configured (ollama, llama.cpp, vLLM)', async () => {
    server = await startChatServer(streams(['ok']));
    const { reply } = await collect(settings());
    expect(reply.outcome).toBe('complete');
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it('keeps the partial answer of a stream that ends without finishing, and says it was cut', async () => {
    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('Half an ', null, true));
      send(res, chunk('answer'));
      res.end(); // no finish_reason, no [DONE]
    });
    const { pieces, reply } = await collect(settings());
    expect(pieces.join('')).toBe('Half an answer');
    expect(reply.outcome).toBe('cut');
    expect(reply.text).toBe('Half an answer');
    expect(reply.message).toMatch(
      /ended the stream before the answer was finished after 14 characters \(the partial answer is kept\)/,
    );
  });

  it('keeps the partial answer when the connection breaks mid-stream', async () => {
    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('Before the break', null, true));
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const { reply } = await collect(settings());
    expect(reply).toMatchObject({ text: 'Before the break', outcome: 'cut' });
    expect(reply.message).toMatch(/broke off the stream after 16 characters \(the partial answer is kept\)/);
  });

  it('reports an error object sent mid-stream, with the text before it', async () => {
    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('Partly', null, true));
      send(res, JSON.stringify({ error: { message: 'the model ran out of memory', type: 'server_error' } }));
      res.end();
    });
    const { reply } = await collect(settings());
    expect(reply).toMatchObject({ text: 'Partly', outcome: 'error' });
    expect(reply.message).toContain(
      'sent an error after 6 characters (the partial answer is kept): the model ran out of memory',
    );
  });

  it('reports an HTTP error with the server’s own message and what to check', async () => {
    server = await startChatServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }),
      );
    });
    const { reply } = await collect(settings({ apiKey: 'sk-wrong' }));
    expect(reply).toMatchObject({ text: '', outcome: 'error' });
    expect(reply.message).toBe(
      `the assistant at ${server.baseUrl} answered HTTP 401: Incorrect API key provided (check INFRADECK_AI_API_KEY)`,
    );
    expect(server.requests).toHaveLength(1); // no retries hiding a failure
  });

  it('takes a whole non-streaming JSON reply as the answer', async () => {
    server = await startChatServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'All at once.' }, finish_reason: 'stop' },
          ],
        }),
      );
    });
    const { pieces, reply } = await collect(settings());
    expect(pieces).toEqual(['All at once.']);
    expect(reply).toMatchObject({
      text: 'All at once.',
      outcome: 'complete',
      streamed: false,
      finishReason: 'stop',
    });
  });

  it('reports a non-streaming JSON error object', async () => {
    server = await startChatServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'model "llama9" not found, try pulling it first' } }));
    });
    const { reply } = await collect(settings());
    expect(reply.outcome).toBe('error');
    expect(reply.message).toContain('answered with an error: model "llama9" not found, try pulling it first');
  });

  it('says when the base URL points at a web page instead of the API', async () => {
    server = await startChatServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    const { reply } = await collect(settings());
    expect(reply.outcome).toBe('error');
    expect(reply.message).toContain(
      'answered with text/html, not an event stream: is INFRADECK_AI_BASE_URL the API base',
    );
  });

  it('says an endpoint that is down is unreachable', async () => {
    server = await startChatServer(streams(['never']));
    const baseUrl = server.baseUrl;
    await server.close();
    server = undefined;
    const { reply } = await collect({ baseUrl, model: 'm', connectTimeoutMs: 5_000, idleTimeoutMs: 5_000 });
    expect(reply).toMatchObject({ text: '', outcome: 'unreachable' });
    expect(reply.message).toBe(
      `the assistant at ${baseUrl} is unreachable: connection refused (is the server running?)`,
    );
  });

  it('gives up on a server that never answers, and on a stream that stalls, keeping what came', async () => {
    server = await startChatServer(() => {}); // accepts, never answers
    const silent = await collect(settings({ connectTimeoutMs: 200 }));
    expect(silent.reply.outcome).toBe('timeout');
    expect(silent.reply.message).toContain('did not answer within 200 ms');
    await server.close();

    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('Thinking', null, true)); // then nothing
    });
    const stalled = await collect(settings({ idleTimeoutMs: 200 }));
    expect(stalled.reply).toMatchObject({ text: 'Thinking', outcome: 'timeout' });
    expect(stalled.reply.message).toContain(
      'sent nothing for 200 ms after 8 characters (the partial answer is kept)',
    );
  });

  it('stops when aborted, keeping the partial answer', async () => {
    server = await startChatServer((_req, res) => {
      sseHead(res);
      send(res, chunk('First piece', null, true));
    });
    const controller = new AbortController();
    const call = askAssistant(settings(), question, { signal: controller.signal });
    for await (const _ of call) controller.abort();
    const reply: AssistantReply = await call.reply();
    expect(reply).toMatchObject({ text: 'First piece', outcome: 'aborted' });
    expect(reply.message).toBe('stopped after 11 characters (the partial answer is kept)');
  });
});

describe('the assistant settings', () => {
  const noKeyring = async () => {
    throw new Error('no keyring');
  };

  it('says how to configure an endpoint, naming the three variables and an ollama example', async () => {
    const found = await assistantSettings({}, { keyring: noKeyring });
    expect(found.ok).toBe(false);
    const message = (found as { message: string }).message;
    for (const word of [
      'INFRADECK_AI_BASE_URL',
      'INFRADECK_AI_MODEL',
      'INFRADECK_AI_API_KEY',
      'ollama',
      '11434/v1',
    ])
      expect(message).toContain(word);
  });

  it('reads the key from INFRADECK_AI_API_KEY, else from the keyring under ai:<host>', async () => {
    const env = { INFRADECK_AI_BASE_URL: 'https://llm.corp:8443/v1/', INFRADECK_AI_MODEL: 'qwen' };
    const asked: string[] = [];
    const keyring = async (service: string, account: string) => {
      asked.push(`${service}/${account}`);
      return {
        getPassword: async () => 'from-keyring',
        setPassword: async () => {},
        deletePassword: async () => true,
      };
    };
    const fromEnv = await assistantSettings({ ...env, INFRADECK_AI_API_KEY: 'from-env' }, { keyring });
    expect(fromEnv).toMatchObject({
      ok: true,
      settings: { baseUrl: 'https://llm.corp:8443/v1', apiKey: 'from-env' },
    });
    const fromKeyring = await assistantSettings(env, { keyring });
    expect(fromKeyring).toMatchObject({
      ok: true,
      settings: { apiKey: 'from-keyring', keyFrom: 'the keyring' },
    });
    expect(asked).toEqual(['infradeck/ai:llm.corp:8443']);
    const none = await assistantSettings(env, { keyring: noKeyring });
    expect(none.ok && none.settings.apiKey).toBe(undefined);
  });
});
