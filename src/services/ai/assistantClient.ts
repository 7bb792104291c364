import type { ChatMessage } from '../../domain/assistantPrompt';
import type { AssistantSettings } from './assistantSettings';

/**
 * One question to an OpenAI-compatible Chat Completions endpoint (OpenAI, ollama, llama.cpp's server, vLLM),
 * streamed. Through the official `openai` SDK: it builds the request, speaks SSE and turns `{"error": …}` chunks
 * and HTTP errors into typed errors. Around it, what the SDK leaves to us: an idle timeout between chunks, telling
 * a cut stream from a finished one, a server that answers with a whole JSON reply instead of a stream, and never
 * losing what already arrived.
 */

/**
 * `complete`: the model finished (a `finish_reason`). `cut`: the stream ended (or broke) before that. `error`: the
 * server answered with an error (an HTTP status or an error object mid-stream). `unreachable`: no connection.
 * `timeout`: no response, or a stream that stalled. `aborted`: stopped by the user.
 */
export type AssistantOutcome = 'complete' | 'cut' | 'error' | 'unreachable' | 'timeout' | 'aborted';

export interface AssistantReply {
  /** Everything that arrived, also when the reply ended badly. */
  text: string;
  outcome: AssistantOutcome;
  /** What went wrong (or what to know: a reply cut by the token limit), for people. */
  message?: string;
  finishReason?: string;
  /** False when the server sent a whole JSON reply instead of a stream. */
  streamed: boolean;
}

export interface AskOptions {
  /** Aborts the request and the stream (Ctrl-C, Esc on the screen). */
  signal?: AbortSignal;
}

/**
 * A question in flight: iterate it for the text as it comes (once), `abort()` it, and `reply()` for how it ended
 * (iterating the rest first when nobody did). Iterating never throws: a failure ends the text and is in `reply()`.
 */
export class AssistantCall implements AsyncIterable<string> {
  private readonly controller = new AbortController();
  private readonly chunks: AsyncGenerator<string>;
  private started = false;
  private text = '';
  private ending?: Omit<AssistantReply, 'text'>;
  private stalled = false;
  /** The SDK's module, loaded with the first call: its error classes tell the failures apart. */
  private sdk?: typeof import('openai').default;

  constructor(
    private readonly settings: AssistantSettings,
    private readonly messages: readonly ChatMessage[],
    opts: AskOptions = {},
  ) {
    const { signal } = opts;
    if (signal?.aborted) this.controller.abort();
    else signal?.addEventListener('abort', () => this.abort(), { once: true });
    this.chunks = this.run();
  }

  abort(): void {
    this.controller.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    if (this.started) throw new Error('the answer is streamed once: iterate it once, then call reply()');
    this.started = true;
    return this.chunks;
  }

  async reply(): Promise<AssistantReply> {
    if (!this.started) {
      this.started = true;
      for await (const _ of this.chunks);
    }
    return { text: this.text, ...(this.ending ?? { outcome: 'cut', streamed: true }) };
  }

  private where(): string {
    return `the assistant at ${this.settings.baseUrl}`;
  }

  private after(): string {
    return this.text ? ` after ${this.text.length} characters (the partial answer is kept)` : '';
  }

  private end(
    outcome: AssistantOutcome,
    message?: string,
    extra: Partial<AssistantReply> = {},
  ): AssistantOutcome {
    this.ending = { outcome, streamed: true, ...(message ? { message } : {}), ...extra };
    return outcome;
  }

  private async *run(): AsyncGenerator<string> {
    const { signal } = this.controller;
    if (signal.aborted) return this.end('aborted', 'stopped before it was sent');
    const { default: OpenAI } = await import('openai');
    this.sdk = OpenAI;
    const { apiKey } = this.settings;
    const client = new OpenAI({
      baseURL: this.settings.baseUrl,
      // The SDK insists on a key; local servers want none, so without one no Authorization header is sent.
      apiKey: apiKey ?? 'none',
      ...(apiKey ? {} : { defaultHeaders: { Authorization: null } }),
      // Explicit nulls: the SDK would otherwise read OPENAI_* variables the user did not mean for infradeck.
      adminAPIKey: null,
      organization: null,
      project: null,
      timeout: this.settings.connectTimeoutMs,
      // One try: the user sees the failure at once and asks again; retries would hide a dead endpoint for seconds.
      maxRetries: 0,
      // The SDK logs to the console by default: that would tear the full-screen console.
      logLevel: 'off',
    });

    let stream: AsyncIterable<ChunkShape>;
    let response: Response;
    try {
      const started = await client.chat.completions
        .create({ model: this.settings.model, messages: [...this.messages], stream: true }, { signal })
        .withResponse();
      stream = started.data as AsyncIterable<ChunkShape>;
      response = started.response;
    } catch (error) {
      return this.failed(error, 'connect');
    }

    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('text/event-stream')) {
      const whole = await this.wholeReply(response, type);
      if (whole) yield whole;
      return;
    }

    let timer: NodeJS.Timeout | undefined;
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        this.stalled = true;
        this.controller.abort();
      }, this.settings.idleTimeoutMs);
    };
    let finishReason: string | undefined;
    try {
      idle();
      for await (const chunk of stream) {
        idle();
        const choice = chunk.choices?.[0];
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        const piece = choice?.delta?.content;
        if (typeof piece === 'string' && piece.length > 0) {
          this.text += piece;
          yield piece;
        }
      }
    } catch (error) {
      return this.failed(error, 'stream');
    } finally {
      clearTimeout(timer);
    }
    // The SDK ends the iteration quietly on an abort and on a stream that stops without `[DONE]`.
    if (this.stalled)
      return this.end(
        'timeout',
        `${this.where()} sent nothing for ${seconds(this.settings.idleTimeoutMs)}${this.after()}`,
      );
    if (signal.aborted) return this.end('aborted', `stopped${this.after() || ' before any answer came'}`);
    if (!finishReason)
      return this.end(
        'cut',
        `${this.where()} ended the stream before the answer was finished${this.after()}`,
      );
    if (finishReason === 'length')
      return this.end('complete', 'the answer reached the model’s token limit and stops there', {
        finishReason,
      });
    this.end('complete', undefined, { finishReason });
  }

  /** A server that ignored `stream: true` and sent the whole reply (or an error object) as JSON. */
  private async wholeReply(response: Response, type: string): Promise<string | undefined> {
    if (!type.includes('json')) {
      this.end(
        'error',
        `${this.where()} answered with ${type || 'no content type'}, not an event stream: is INFRADECK_AI_BASE_URL ` +
          'the API base (ending in /v1)?',
      );
      return undefined;
    }
    let body: WholeShape;
    try {
      body = (await response.json()) as WholeShape;
    } catch (error) {
      this.end(
        'error',
        `${this.where()} answered with JSON that does not parse: ${(error as Error).message}`,
      );
      return undefined;
    }
    if (body?.error) {
      this.end('error', `${this.where()} answered with an error: ${errorText(body.error)}`, {
        streamed: false,
      });
      return undefined;
    }
    const choice = body?.choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string') {
      this.end('error', `${this.where()} answered with JSON without choices[0].message.content`, {
        streamed: false,
      });
      return undefined;
    }
    this.text += content;
    this.end('complete', undefined, {
      streamed: false,
      ...(choice?.finish_reason ? { finishReason: choice.finish_reason } : {}),
    });
    return content;
  }

  /** `connect`: before the response started; `stream`: while it came. */
  private failed(error: unknown, phase: 'connect' | 'stream'): AssistantOutcome {
    const sdk = this.sdk;
    const e = error as { status?: number; message?: string; error?: unknown; cause?: unknown };
    if (this.stalled)
      return this.end(
        'timeout',
        `${this.where()} sent nothing for ${seconds(this.settings.idleTimeoutMs)}${this.after()}`,
      );
    if (sdk && error instanceof sdk.APIConnectionTimeoutError)
      return this.end(
        'timeout',
        `${this.where()} did not answer within ${seconds(this.settings.connectTimeoutMs)} (a model that is still ` +
          'loading can take that long: ask again, or raise --timeout)',
      );
    if (this.controller.signal.aborted)
      return this.end('aborted', `stopped${this.after() || ' before any answer came'}`);
    if (
      phase === 'connect' &&
      (!sdk || error instanceof sdk.APIConnectionError || typeof e?.status !== 'number')
    )
      return this.end('unreachable', `${this.where()} is unreachable: ${connectionReason(e)}`);
    if (typeof e?.status === 'number')
      return this.end(
        'error',
        `${this.where()} answered HTTP ${e.status}: ${apiMessage(e)}${hint(e.status)}`,
      );
    // An `{"error": …}` chunk mid-stream (the SDK raises it as an APIError without a status).
    if (sdk && error instanceof sdk.APIError)
      return this.end('error', `${this.where()} sent an error${this.after()}: ${apiMessage(e)}`);
    // A stream that broke mid-way (the connection reset, a chunk that is not JSON).
    return this.end('cut', `${this.where()} broke off the stream${this.after()}: ${connectionReason(e)}`);
  }
}

/** Ask: the call starts when it is first iterated (or `reply()` is awaited). */
export function askAssistant(
  settings: AssistantSettings,
  messages: readonly ChatMessage[],
  opts: AskOptions = {},
): AssistantCall {
  return new AssistantCall(settings, messages, opts);
}

interface ChunkShape {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
}

interface WholeShape {
  choices?: { message?: { content?: string | null }; finish_reason?: string | null }[];
  error?: unknown;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const m = (error as { message?: unknown })?.message;
  return typeof m === 'string' ? m : JSON.stringify(error);
}

/** The server's own words: the SDK prefixes its message with the status, which we say ourselves. */
function apiMessage(e: { message?: string; error?: unknown }): string {
  const inner = e.error !== undefined ? errorText(e.error) : undefined;
  return (inner ?? e.message ?? 'no message').replace(/^\d{3}\s+/, '');
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ' (check INFRADECK_AI_API_KEY)';
  if (status === 404) return ' (check INFRADECK_AI_BASE_URL, usually ending in /v1, and INFRADECK_AI_MODEL)';
  return '';
}

/** `connection refused (is the server running?)`, from the error and its causes. */
function connectionReason(e: { message?: string; cause?: unknown } | undefined): string {
  const codes: string[] = [];
  let at: unknown = e;
  for (let i = 0; at && i < 5; i++) {
    const code = (at as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    at = (at as { cause?: unknown }).cause;
  }
  if (codes.includes('ECONNREFUSED')) return 'connection refused (is the server running?)';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'host not found';
  if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET')) return 'the connection was reset';
  if (codes.includes('ETIMEDOUT')) return 'the connection timed out';
  // The deepest cause says most (`fetch failed` -> `bad port`, `other side closed`).
  let deepest: unknown = e;
  for (let i = 0; i < 5 && (deepest as { cause?: unknown })?.cause; i++)
    deepest = (deepest as { cause: unknown }).cause;
  const said = (deepest as { message?: unknown })?.message;
  return typeof said === 'string' && said ? said : (codes[0] ?? 'connection error');
}
