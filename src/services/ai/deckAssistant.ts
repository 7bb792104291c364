import type { ChatMessage } from '../../domain/assistantPrompt';
import { secretValuesOf } from '../../domain/secretMask';
import type { AnswerEnd, DeckAssistant } from '../../state/services/assistant';
import { type AssistantSettings, assistantSettings, type SettingsLookup } from './assistantSettings';

/**
 * The console's assistant: the endpoint of `assistantSettings` (read once: the environment does not change
 * under a running console, and the keyring is asked only once) and the streaming client, loaded with the first
 * question so the `openai` package costs nothing at start-up.
 */
export function deckAssistantFor(
  env: NodeJS.ProcessEnv,
  opts: { lookUp?: () => Promise<SettingsLookup> } = {},
): DeckAssistant {
  let lookup: Promise<SettingsLookup> | undefined;
  const settings = () => {
    lookup ??= (opts.lookUp ?? (() => assistantSettings(env)))();
    return lookup;
  };
  return {
    secrets: secretValuesOf(env),
    endpoint: async () => {
      const found = await settings();
      if (!found.ok) return found;
      const { baseUrl, model, keyFrom } = found.settings;
      return { ok: true, endpoint: { baseUrl, model, ...(keyFrom ? { keyFrom } : {}) } };
    },
    ask: async (messages, { signal, onText }) => {
      const found = await settings();
      if (!found.ok) return { text: '', outcome: 'error', message: found.message };
      return streamAnswer(found.settings, messages, signal, onText);
    },
  };
}

async function streamAnswer(
  settings: AssistantSettings,
  messages: readonly ChatMessage[],
  signal: AbortSignal,
  onText: (piece: string) => void,
): Promise<AnswerEnd> {
  let text = '';
  try {
    const { askAssistant } = await import('./assistantClient');
    const call = askAssistant(settings, messages, { signal });
    for await (const piece of call) {
      text += piece;
      onText(piece);
    }
    const reply = await call.reply();
    return { text: reply.text, outcome: reply.outcome, ...(reply.message ? { message: reply.message } : {}) };
  } catch (error) {
    // The client does not throw once it streams; loading it (the `openai` package) can.
    return { text, outcome: 'error', message: `the assistant client failed: ${(error as Error).message}` };
  }
}
