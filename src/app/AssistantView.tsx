import { Box, Text } from 'ink';
import { useMemo } from 'react';
import {
  isLogScrollAction,
  LOG_FOLLOW,
  type LogLineStyle,
  type LogScroll,
  LogView,
  logScroll,
} from '../components/LogView';
import type { ProposedAction } from '../domain/assistantAction';
import { displayWidth, fitWidth, stripControl } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import type { AssistantAsk, OfferedJob } from '../state/slices/assistant';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { fitHintLine, type KeyHint, keyHintItems } from '../ui/keyHints';
import type { Keymap } from '../ui/keymap';
import { keyLabel } from '../ui/keyName';
import type { Theme } from '../ui/theme';
import { useKeyState } from '../ui/useKeyState';
import { offeredJobLine, offerJob } from './AssistantOffer';

const top: LogScroll = { follow: false, offset: 0 };

interface ShownLine {
  text: string;
  style?: LogLineStyle;
}

/**
 * `:ask QUESTION`: first the context that would go with the question, masked, and nothing sent (Enter sends, Esc
 * cancels); then the answer streaming in (Esc or Ctrl-C stops it, what came is kept); then how it ended and the
 * job it proposes, which runs only after a confirmation (Enter) and never read-only.
 */
export function AssistantView({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { theme, keymap } = useDeckContext();
  const actions = useActions();
  const ask = useDeck((s) => s.assistant.ask);
  const lastJob = useDeck((s) => s.assistant.lastJob);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const [scrolled, getScrolled, setScrolled] = useKeyState<{ mode: string; at: LogScroll } | undefined>(
    undefined,
  );
  const [wrap, getWrap, setWrap] = useKeyState(true);
  const [showContext, getShowContext, setShowContext] = useKeyState(false);
  const [picked, getPicked, setPicked] = useKeyState(0);

  const phase = ask?.phase;
  const answering = phase === 'streaming' || phase === 'done';
  // What is to be read before sending starts at its top; an answer follows its newest words. A scroll belongs to
  // what it scrolled: another question, or the answer after its context, starts afresh.
  const mode = `${ask?.id}:${phase === 'unconfigured' ? 'help' : answering && !showContext ? 'answer' : 'read'}`;
  const scrollOf = (m: string, kept: { mode: string; at: LogScroll } | undefined): LogScroll =>
    kept?.mode === m ? kept.at : m.endsWith(':answer') ? LOG_FOLLOW : top;
  const scroll = scrollOf(mode, scrolled);
  const textWidth = Math.max(1, width - 2);
  // The keys the view names are those of the keymap: a key rebound in config.yaml reads as it works.
  const keyOf = useMemo(() => assistantKeyOf(keymap), [keymap]);
  const body = useMemo(
    () => (ask ? bodyLines(ask, answering && !showContext, theme, keyOf) : []),
    [ask, answering, showContext, theme, keyOf],
  );
  // Prose wraps at spaces (the log view would break words); `w` cuts the lines instead.
  const lines = useMemo(
    () =>
      wrap
        ? body.flatMap((l) =>
            displayWidth(l.text) <= textWidth
              ? [l]
              : wrapIndented(l.text, textWidth).map((text) => ({ text, style: l.style })),
          )
        : body,
    [body, wrap, textWidth],
  );
  const proposals = ask?.phase === 'done' ? ask.proposed : [];
  const proposal = proposals[Math.min(picked, proposals.length - 1)];
  const proposalRows = proposal ? 2 : 0;
  const status = ask ? statusLine(ask, lastJob, readOnly, keyOf) : { text: '' };
  // A failure is said whole (where, what, what was kept), on up to three rows.
  const statusRows = wrapText(status.text, textWidth).slice(0, 3);
  const bodyHeight = Math.max(1, height - 3 - statusRows.length - proposalRows);

  useKeys(
    'overlay',
    (press) => {
      const state = ask?.phase;
      if (!state) return false;
      // Its own keys (`assistantKeys.ts`): `?` lists them, and a key rebound in config.yaml works here as listed.
      const action = press.action(['assistant']);
      if (state === 'streaming') {
        if (action === 'view.back') {
          actions.assistant.stop();
          return true;
        }
        // `q` would quit the console from under an answer on its way: stopping is Esc.
        if (action === 'assistant.close') return true;
      } else if (action === 'view.back' || action === 'assistant.close') {
        if (state === 'review' || state === 'unconfigured' || state === 'gathering')
          actions.assistant.cancel();
        else actions.assistant.close();
        return true;
      }
      if (state === 'review' && action === 'assistant.send') {
        actions.assistant.send();
        return true;
      }
      if (state === 'unconfigured' && action === 'assistant.advise') {
        void actions.assistant.advise();
        return true;
      }
      // Tab is the next proposal here (as `?` says), also with one proposal or none: never the next tab.
      if (action === 'assistant.nextProposal') {
        if (state === 'done' && proposals.length > 1) setPicked((getPicked() + 1) % proposals.length);
        return true;
      }
      if (state === 'done' && action === 'assistant.send') {
        const chosen = proposals[Math.min(getPicked(), proposals.length - 1)];
        if (chosen?.valid)
          offerJob(
            { kind: chosen.kind, payload: chosen.payload, summary: chosen.summary },
            { actions, readOnly, title: 'Run the job the assistant proposes?' },
          );
        return true;
      }
      if ((state === 'streaming' || state === 'done') && action === 'assistant.context') {
        setShowContext(!getShowContext());
        return true;
      }
      if (action === 'view.wrap') setWrap(!getWrap());
      else if (action && isLogScrollAction(action))
        setScrolled({ mode, at: logScroll(scrollOf(mode, getScrolled()), action, lines.length, bodyHeight) });
      // Tab keys, `:` and `?` go on to the global keys.
      else return false;
      return true;
    },
    active,
  );

  if (!ask) return null;
  const tone = status.tone;
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingX={1}>
      <Text bold color={theme.accent}>
        {fitWidth(`Assistant: ${stripControl(ask.question)}`, textWidth)}
      </Text>
      <Text color={theme.muted}>{fitWidth(subtitle(ask, showContext), textWidth)}</Text>
      <LogView
        lines={lines.map((l) => l.text)}
        lineStyle={(i) => lines[i]?.style}
        width={textWidth}
        height={bodyHeight}
        follow={scroll.follow}
        offset={scroll.offset}
        emptyMessage={phase === 'streaming' ? 'waiting for the first words…' : ''}
      />
      {proposal ? (
        <ProposalRows
          proposal={proposal}
          index={picked}
          count={proposals.length}
          width={textWidth}
          readOnly={readOnly}
          theme={theme}
        />
      ) : null}
      {statusRows.map((row, i) => (
        <Text
          key={i}
          bold={tone === 'error'}
          color={
            tone === 'error'
              ? theme.error
              : tone === 'warn'
                ? theme.warn
                : tone === 'ok'
                  ? theme.ok
                  : undefined
          }
        >
          {fitWidth(row, textWidth)}
        </Text>
      ))}
      <Text color={theme.muted}>
        {fitWidth(
          fitHintLine(
            {
              screen: keyHintItems(
                hints(ask, proposal, proposals.length, showContext, readOnly, keyOf),
                keymap,
                ['assistant'],
              ),
              global: [],
            },
            textWidth,
          ),
          textWidth,
        )}
      </Text>
    </Box>
  );
}

function ProposalRows({
  proposal,
  index,
  count,
  width,
  readOnly,
  theme,
}: {
  proposal: ProposedAction;
  index: number;
  count: number;
  width: number;
  readOnly: boolean;
  theme: Theme;
}) {
  const which = `Proposed job${count > 1 ? ` ${Math.min(index, count - 1) + 1}/${count}` : ''}`;
  if (!proposal.valid)
    return (
      <>
        <Text color={theme.warn}>
          {fitWidth(`${which} is not usable: ${stripControl(proposal.error)}`, width)}
        </Text>
        <Text color={theme.muted}>
          {fitWidth(`  ${stripControl(proposal.text.replace(/\s+/g, ' '))}`, width)}
        </Text>
      </>
    );
  const how = proposal.changes ? (readOnly ? ', changes things: refused read-only' : ', changes things') : '';
  return (
    <>
      <Text bold color={theme.accent}>
        {fitWidth(`${which} (${proposal.kind}${how}): ${stripControl(proposal.summary)}`, width)}
      </Text>
      <Text>
        {fitWidth(
          `  ${stripControl(JSON.stringify({ kind: proposal.kind, payload: proposal.payload }))}`,
          width,
        )}
      </Text>
    </>
  );
}

/** What the body shows: the context to review (or that was sent), the configuration help, or the answer. */
function bodyLines(ask: AssistantAsk, answer: boolean, theme: Theme, keyOf: KeyOf): ShownLine[] {
  if (answer && ask.answer) return ask.answer.split(/\r?\n/).map((text) => ({ text }));
  // No words yet: the log view says it waits for them (streaming); none came: how to go on.
  if (answer)
    return ask.phase === 'done'
      ? [
          { text: 'No answer came: the line at the bottom says why.' },
          { text: 'To ask again, `:` then ↑ recalls the question; `:advise` needs no endpoint.' },
        ]
      : [];
  const out: ShownLine[] = [];
  const heading = (text: string) => out.push({ text, style: { bold: true, color: theme.accent } });
  if (ask.phase === 'gathering') return [{ text: 'Reading the context…', style: { dim: true } }];
  if (ask.phase === 'unconfigured' && ask.configureHelp) {
    for (const text of ask.configureHelp.split('\n')) out.push({ text, style: { color: theme.warn } });
    out.push({ text: '' });
    const advise = keyOf('assistant.advise');
    out.push({
      text: `${advise ? `Press ${advise} for :advise` : ':advise is'}, the built-in rules advisor: it needs no endpoint.`,
      style: { bold: true },
    });
    out.push({ text: '' });
    heading('What would be sent with the question (masked):');
  }
  const context = ask.context;
  if (!context || context.sections.length === 0)
    out.push({
      text: 'No context: nothing is selected, no job is focused, no error events. Only the question goes.',
    });
  for (const section of context?.sections ?? []) {
    heading(`## ${section.title}`);
    for (const text of section.lines) out.push({ text });
  }
  for (const note of ask.notes) out.push({ text: `not included: ${note}`, style: { color: theme.warn } });
  return out;
}

function subtitle(ask: AssistantAsk, showContext: boolean): string {
  const masked = ask.context
    ? `${ask.context.masked} value${ask.context.masked === 1 ? '' : 's'} masked`
    : '';
  const to = ask.endpoint
    ? `${ask.endpoint.model} at ${ask.endpoint.baseUrl}${ask.endpoint.keyFrom ? ` (key from ${ask.endpoint.keyFrom})` : ''}`
    : '';
  switch (ask.phase) {
    case 'gathering':
      return 'reading what to send with the question…';
    // What was masked goes before where it goes: cut to the pane, only the end of an endpoint's address is lost.
    case 'review':
      return `Nothing sent yet · ${masked} · goes to ${to}`;
    case 'unconfigured':
      return 'No assistant endpoint: nothing can be sent';
    default:
      return showContext ? `Sent with the question · ${masked} · to ${to}` : `Answer of ${to}`;
  }
}

interface Status {
  text: string;
  tone?: 'ok' | 'warn' | 'error';
}

function statusLine(ask: AssistantAsk, job: OfferedJob | undefined, readOnly: boolean, keyOf: KeyOf): Status {
  if (job) {
    const line = offeredJobLine(job, readOnly);
    return { text: line.text, tone: line.error ? 'error' : 'ok' };
  }
  switch (ask.phase) {
    case 'gathering':
      return { text: '' };
    case 'review': {
      // An action unbound in config.yaml is not named (Ctrl-C here would quit, not cancel).
      const send = keyOf('assistant.send');
      const cancel = keyOf('view.back');
      return {
        text: [
          send ? `${send} sends it` : 'not sent yet',
          ...(cancel ? [`${cancel} cancels (nothing is sent)`] : []),
        ].join(' · '),
        tone: 'warn',
      };
    }
    case 'unconfigured': {
      const advise = keyOf('assistant.advise');
      return {
        text: `${advise ? `${advise} opens :advise` : ':advise is'}, the built-in rules advisor: it needs no endpoint`,
        tone: 'warn',
      };
    }
    case 'streaming': {
      const stop = keyOf('view.back');
      return {
        text: `answering… ${ask.answer.length} characters · ${stop ? `${stop} or Ctrl-C` : 'Ctrl-C'} stops (what came is kept)`,
      };
    }
  }
  const said = ask.message ? stripControl(ask.message) : '';
  switch (ask.outcome) {
    case 'complete':
      return said ? { text: `✓ answered; ${said}`, tone: 'warn' } : { text: '✓ answered', tone: 'ok' };
    case 'aborted':
      return { text: `■ you stopped the answer: ${said || 'stopped'}`, tone: 'warn' };
    default:
      return { text: `✗ ${said || `the answer ended: ${ask.outcome}`}`, tone: 'error' };
  }
}

/** The first key of `id` in the view's scope as `?` writes it (`Enter`), or none when it is unbound. */
type KeyOf = (id: string) => string | undefined;

function assistantKeyOf(keymap: Keymap): KeyOf {
  return (id) => {
    const key = keymap.keysFor(id, 'assistant')[0];
    return key === undefined ? undefined : keyLabel(key);
  };
}

/** `j/k scroll`, from the keys the two actions have. */
function scrollHint(keyOf: KeyOf): KeyHint[] {
  const down = keyOf('nav.down');
  const up = keyOf('nav.up');
  return down && up ? [`${down}/${up} scroll`] : [];
}

/**
 * The keys that do something in this state of the view, in the order they matter; the keymap writes each key.
 * Enter offers the proposal shown only when it is a job (read-only, one that changes things is refused).
 */
function hints(
  ask: AssistantAsk,
  proposal: ProposedAction | undefined,
  proposals: number,
  showContext: boolean,
  readOnly: boolean,
  keyOf: KeyOf,
): KeyHint[] {
  const scroll = [...scrollHint(keyOf), { action: 'view.wrap', label: 'wrap' }];
  const context = { action: 'assistant.context', label: showContext ? 'answer' : 'context sent' };
  switch (ask.phase) {
    case 'gathering':
      return [{ action: 'view.back', label: 'cancel' }];
    case 'review':
      return [
        { action: 'assistant.send', label: 'send' },
        { action: 'view.back', label: 'cancel' },
        ...scroll,
      ];
    case 'unconfigured':
      return [
        { action: 'assistant.advise', label: 'advise' },
        { action: 'view.back', label: 'close' },
        ...scroll,
      ];
    case 'streaming':
      return [keyOf('view.back') ? `${keyOf('view.back')}/Ctrl-C stop` : 'Ctrl-C stop', ...scroll, context];
    default:
      return [
        ...(proposal?.valid
          ? [
              {
                action: 'assistant.send',
                label:
                  readOnly && proposal.changes ? 'run proposed job (refused read-only)' : 'run proposed job',
              },
            ]
          : []),
        ...(proposals > 1 ? [{ action: 'assistant.nextProposal', label: 'next proposal' }] : []),
        context,
        { action: 'view.back', label: 'close' },
        ...scroll,
      ];
  }
}

/**
 * Wraps a line at spaces keeping its indent: a continuation starts under the text, past a `NAME  what it is`
 * term's two spaces when there is one (the configuration help), so the lines still read as they were laid out.
 */
export function wrapIndented(written: string, width: number): string[] {
  const text = stripControl(written);
  const lead = /^ */.exec(text)?.[0].length ?? 0;
  if (lead > width / 2) return wrapText(text, width);
  const term = /^ *\S+ {2,}(?=\S)/.exec(text)?.[0].length ?? lead;
  const hang = term <= width / 2 ? term : lead;
  if (hang === 0) return wrapText(text, width);
  const words = text.slice(lead).split(' ');
  let first = ' '.repeat(lead);
  let taken = 0;
  for (; taken < words.length; taken++) {
    const next = taken === 0 ? first + words[0] : `${first} ${words[taken]}`;
    if (displayWidth(next) > width) break;
    first = next;
  }
  // A first word wider than the line is broken as a path would be.
  if (taken === 0) return wrapText(text, width);
  const rest = words.slice(taken).join(' ').trimStart();
  return rest ? [first, ...wrapText(rest, width - hang).map((t) => ' '.repeat(hang) + t)] : [first];
}
