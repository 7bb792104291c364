import type { ChatMessage } from '../../domain/assistantPrompt';

/** Where the assistant is, as people may see it (never the key). */
export interface AssistantEndpoint {
  baseUrl: string;
  model: string;
  /** Where the key came from (`INFRADECK_AI_API_KEY`, `the keyring`); absent: no key is sent. */
  keyFrom?: string;
}

/** `complete`, `cut`, `error`, `unreachable`, `timeout` or `aborted`: how an answer ended (see assistantClient). */
export type AnswerOutcome = 'complete' | 'cut' | 'error' | 'unreachable' | 'timeout' | 'aborted';

export interface AnswerEnd {
  /** Everything that arrived, also when the answer ended badly. */
  text: string;
  outcome: AnswerOutcome;
  /** What went wrong, or what to know (a reply cut by the token limit), for people. */
  message?: string;
}

/**
 * The assistant endpoint as the console uses it (`:ask`); `openWorkspace` wires the real one. The context is
 * built in the store from what the console shows; this only knows the endpoint and this process's secrets.
 */
export interface DeckAssistant {
  /** The endpoint from INFRADECK_AI_BASE_URL / _MODEL / _API_KEY (or the keyring), or how to configure one. */
  endpoint(): Promise<{ ok: true; endpoint: AssistantEndpoint } | { ok: false; message: string }>;
  /** Values of this process's secret variables, masked verbatim wherever they appear in the context. */
  secrets: readonly string[];
  /** Streams the answer to `onText` as it comes; never rejects (a failure is the outcome, the text kept). */
  ask(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; onText(piece: string): void },
  ): Promise<AnswerEnd>;
}
