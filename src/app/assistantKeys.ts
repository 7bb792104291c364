import { type ActionDef, logActions, tableActions } from '../ui/keymap';
import type { ScreenView } from '../ui/screen';

/**
 * The keys of the Assistant view (`:ask`), in its own scope: `?` lists them there (not the covered tab's), and
 * config.yaml rebinds them. Of a log's keys it has the scrolling and `w`; it has no search nor sideways scroll.
 */
export const assistantActions: ActionDef[] = [
  {
    id: 'assistant.send',
    keys: ['enter'],
    description:
      'Send the question with the context shown; on the answer, offer the proposed job (asks first)',
    scope: 'assistant',
  },
  {
    id: 'view.back',
    keys: ['esc'],
    description:
      'Cancel before sending (nothing is sent), stop the answer streaming in (so does Ctrl-C; what came is kept), close',
    scope: 'assistant',
  },
  {
    id: 'assistant.close',
    keys: ['q'],
    description: 'Close the view, not the console (nothing while the answer streams in: Esc stops it)',
    scope: 'assistant',
  },
  {
    id: 'assistant.nextProposal',
    keys: ['tab', 'n'],
    description: 'The next proposed job, when the answer proposes several',
    scope: 'assistant',
  },
  {
    id: 'assistant.context',
    keys: ['c'],
    description: 'What was sent with the question / the answer',
    scope: 'assistant',
  },
  {
    id: 'assistant.advise',
    keys: ['a'],
    description: 'Without an endpoint: :advise, the built-in rules advisor',
    scope: 'assistant',
  },
  ...logActions
    .filter((a) => a.id.startsWith('nav.') || a.id === 'view.wrap')
    .map((a) => ({ ...a, scope: 'assistant' })),
];

/** The keys of `:advise`: its findings are a table without selection nor filter. */
export const adviceActions: ActionDef[] = [
  {
    id: 'advice.offer',
    keys: ['enter'],
    description: "Offer the finding's suggested job (asks first; refused read-only when it changes things)",
    scope: 'advice',
  },
  { id: 'advice.reload', keys: ['r'], description: 'Read the findings again', scope: 'advice' },
  { id: 'view.back', keys: ['esc'], description: 'Close', scope: 'advice' },
  { id: 'assistant.close', keys: ['q'], description: 'Close the view, not the console', scope: 'advice' },
  ...tableActions
    .filter((a) => a.id.startsWith('nav.') || a.id.startsWith('table.sort'))
    .map((a) => ({ ...a, scope: 'advice' })),
];

/**
 * What `?` describes while the assistant's view covers the tabs. Its hint line is its own (the view writes it,
 * by phase), so no hints here.
 */
export const assistantFaces: Record<'ask' | 'advice', ScreenView> = {
  ask: { id: 'assistant', title: 'Assistant (:ask)', scopes: [], hints: [] },
  advice: { id: 'advice', title: 'Advice (:advise)', scopes: [], hints: [] },
};
