import type { AssistantContext } from './assistantContext';
import { maskSecrets } from './secretMask';

/** One message of a Chat Completions request. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * What the model is told it is and how to propose an action: a fenced ```json block holding `{kind, payload}` of
 * a job kind infradeck has. Anything else it says is read by a person; only such a block can become a job, and
 * only after the person confirms it.
 */
export function systemPrompt(kinds: readonly string[]): string {
  return [
    'You are the assistant inside infradeck, a terminal console that runs a small team’s infrastructure:',
    'servers and AWS resources, CI pipelines, cron schedules, batch runs and jobs on workers.',
    'Answer the operator’s question briefly and concretely, using the context below the question when it helps.',
    'Values shown as *** were masked before they were sent to you; never ask for them.',
    'If you propose an action, put exactly one job spec in a fenced ```json block as',
    `{"kind": KIND, "payload": {...}} where KIND is one of: ${kinds.join(', ')}.`,
    'A shell command is {"kind": "command", "payload": {"program": "PROGRAM", "args": ["ARG", ...]}}.',
    'The operator sees the spec and decides whether to run it; never claim you ran anything.',
  ].join('\n');
}

/**
 * The messages sent for a question: the system prompt, then the question with its context. The question is
 * masked too: a pasted log line may carry a key.
 */
export function chatMessages(
  question: string,
  context: AssistantContext,
  kinds: readonly string[],
  secrets: readonly string[] = [],
): ChatMessage[] {
  const asked = maskSecrets(question.trim(), secrets);
  const user = context.text ? `${asked}\n\n# Context from infradeck (masked)\n\n${context.text}` : asked;
  return [
    { role: 'system', content: systemPrompt(kinds) },
    { role: 'user', content: user },
  ];
}

/** The messages as a person reads them before sending (`infradeck ask --show-context`). */
export function formatMessages(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `─── ${m.role} ───\n${m.content}`).join('\n\n');
}
