import { type AdviceInput, adviseOn } from '../../domain/advice';
import type { AdviceReport } from '../../domain/adviceFinding';
import { type ProposedAction, proposableKinds, proposedActions } from '../../domain/assistantAction';
import {
  type AssistantContext,
  buildAssistantContext,
  type ContextJob,
  type ContextSelection,
  contextJobOf,
} from '../../domain/assistantContext';
import { type ChatMessage, chatMessages } from '../../domain/assistantPrompt';
import { type JobKind, type JobLogLine, type JobSpec, type JobView, payloadSchemas } from '../../domain/job';
import { scheduleRows } from '../../domain/scheduleRows';
import { formatSourceError } from '../../domain/sourceError';
import type { AnswerOutcome, AssistantEndpoint } from '../services/assistant';
import { errorText, type Slice } from '../slice';

/** What the table on screen shows of its selection, read when `:ask` is typed (see ui/tableFocus). */
export interface TableFocus {
  /** `2 selected rows on the Resources tab`. */
  what: string;
  columns: string[];
  rows: string[][];
  /** The key of the row under the cursor (a job's id on the Jobs tab). */
  cursorKey?: string;
}

/**
 * `gathering` the context, then `review` (shown, nothing sent yet) or `unconfigured` (no endpoint), then
 * `streaming` the answer, then `done` (however it ended).
 */
export type AskPhase = 'gathering' | 'review' | 'unconfigured' | 'streaming' | 'done';

export interface AssistantAsk {
  id: number;
  question: string;
  phase: AskPhase;
  endpoint?: AssistantEndpoint;
  /** How to configure an endpoint (phase `unconfigured`). */
  configureHelp?: string;
  /** Exactly what goes with the question, masked. */
  context?: AssistantContext;
  /** Parts of the context that could not be read, and why. */
  notes: string[];
  messages?: ChatMessage[];
  /** The answer so far (all of it once `done`, also when it ended badly). */
  answer: string;
  outcome?: AnswerOutcome;
  message?: string;
  /** The job specs the answer proposes, checked against the job kinds. */
  proposed: ProposedAction[];
}

/** What became of a job offered from the assistant's views (a proposal or an advisor's suggestion). */
export interface OfferedJob {
  summary: string;
  state: 'queued' | 'refused' | 'failed';
  /** For people: `queued job 12`, the queue's refusal, the error. */
  text: string;
  jobId?: string;
}

export interface AdviceState {
  loading: boolean;
  report?: AdviceReport;
  at?: number;
}

export interface AssistantState {
  /** The view open over the tabs: the question and its answer, or the advisor's findings. */
  shown: 'ask' | 'advice' | null;
  ask?: AssistantAsk;
  advice?: AdviceState;
  lastJob?: OfferedJob;
}

/** A job spec to run from the views: a proposal of the answer or an advisor's suggestion. */
export interface OfferSpec {
  kind: JobKind;
  payload: Record<string, unknown>;
  summary: string;
}

export interface AssistantActions {
  /** `:ask QUESTION`: gathers the context and shows it; nothing is sent before `send`. */
  ask(question: string): void;
  /** `:ask` alone: shows the last question and its answer again; false when there is none. */
  reopen(): boolean;
  /** Sends the question with the context shown; the answer streams into `ask.answer`. */
  send(): void;
  /** Stops the answer that is streaming; what arrived is kept. */
  stop(): void;
  /** Hides the view; an answer still streaming goes on (`:ask` shows it again). */
  close(): void;
  /** Forgets a question not sent yet, and hides the view. */
  cancel(): void;
  /** `:advise`: the rules over what the console knows (the resource index, the queue's jobs, the schedules). */
  advise(): Promise<void>;
  /** Queues a job the person confirmed; read-only, a kind that changes things is refused by the queue. */
  runJob(spec: OfferSpec): Promise<void>;
  /** A table on `screen` says how to read its selection; returns the un-register (the table went away). */
  noteTable(screen: string, read: () => TableFocus | undefined): () => void;
}

/** Lines of the focused job's output that go with a question. */
export const focusedLogLines = 20;
/** How many of the queue's newest jobs the advisor reads (the failure rules look at a week at most). */
export const adviceJobLimit = 1000;
/** Pieces of an answer arriving closer than this are drawn together. */
const answerFlushMs = 30;

/** `:ask` and `:advise` in the console: the context, the streamed answer, its proposals, the findings. */
export const assistantSlice: Slice<'assistant', AssistantState, AssistantActions> = {
  name: 'assistant',
  initial: () => ({ shown: null }),
  actions: ({ services, get, patch, notify, now }) => {
    const tables = new Map<string, (() => TableFocus | undefined)[]>();
    let seq = 0;
    let streaming: AbortController | undefined;
    const current = (id: number) => (get().assistant.ask?.id === id ? get().assistant.ask : undefined);
    const patchAsk = (id: number, change: Partial<AssistantAsk>) => {
      const ask = current(id);
      if (ask) patch({ ask: { ...ask, ...change } });
    };

    const focusedTable = (): TableFocus | undefined => {
      const stack = tables.get(get().ui.tab);
      try {
        return stack?.[stack.length - 1]?.();
      } catch {
        // A table that cannot say what it shows leaves the selection out rather than the question.
        return undefined;
      }
    };

    /** The job open on the Jobs tab, else the one under its cursor; with its last lines of output. */
    const focusedJob = async (
      table: TableFocus | undefined,
      notes: string[],
    ): Promise<ContextJob | undefined> => {
      const state = get();
      if (state.ui.tab !== 'jobs') return undefined;
      const id = state.jobs.log?.jobId ?? table?.cursorKey;
      const job = id ? state.jobs.byId.get(id) : undefined;
      if (!id || !job) return undefined;
      let log: JobLogLine[] = [];
      try {
        const bus = services.bus;
        if (bus) log = await bus.queue.logs(id, { tail: focusedLogLines });
      } catch (error) {
        notes.push(`the output of job ${id} is not included: ${errorText(error)}`);
      }
      return contextJobOf(job, log);
    };

    const ask = async (id: number, question: string) => {
      const assistant = services.assistant;
      const notes: string[] = [];
      const table = focusedTable();
      const selection: ContextSelection | undefined = table
        ? { what: table.what, columns: table.columns, rows: table.rows }
        : undefined;
      const [found, job] = await Promise.all([
        assistant?.endpoint() ??
          Promise.resolve({ ok: false as const, message: 'this console has no assistant service' }),
        focusedJob(table, notes),
      ]);
      const errorEvents = get()
        .events.latest.filter((e) => e.level === 'error')
        .map((e) => ({ at: e.at, type: e.type, message: e.message, ...(e.jobId ? { jobId: e.jobId } : {}) }));
      const secrets = assistant?.secrets ?? [];
      const context = buildAssistantContext(
        { now: now(), ...(selection ? { selection } : {}), ...(job ? { focusedJob: job } : {}), errorEvents },
        { secrets },
      );
      const messages = chatMessages(question, context, proposableKinds(), secrets);
      patchAsk(
        id,
        found.ok
          ? { phase: 'review', endpoint: found.endpoint, context, messages, notes }
          : { phase: 'unconfigured', configureHelp: found.message, context, messages, notes },
      );
    };

    const send = async (id: number) => {
      const asked = current(id);
      const assistant = services.assistant;
      if (!asked?.messages || !assistant || asked.phase !== 'review') return;
      streaming?.abort();
      const controller = new AbortController();
      streaming = controller;
      patchAsk(id, { phase: 'streaming', answer: '', outcome: undefined, message: undefined, proposed: [] });
      let text = '';
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = () => {
        timer = undefined;
        patchAsk(id, { answer: text });
      };
      const end = await assistant.ask(asked.messages, {
        signal: controller.signal,
        onText: (piece) => {
          text += piece;
          timer ??= setTimeout(flush, answerFlushMs);
        },
      });
      clearTimeout(timer);
      if (streaming === controller) streaming = undefined;
      const answer = end.text || text;
      patchAsk(id, {
        phase: 'done',
        answer,
        outcome: end.outcome,
        ...(end.message ? { message: end.message } : {}),
        proposed: proposedActions(answer),
      });
    };

    const adviceInput = async (): Promise<AdviceInput> => {
      const state = get();
      const at = now();
      const unread: string[] = [];
      const input: AdviceInput = { now: at, workspace: state.workspace.dataDir, unread };
      const { info, index } = state.cloud;
      if (info?.account)
        input.resources = {
          account: info.account,
          scans: index.scans,
          all: index.all,
          ...(info.kind === 'demo' ? { demo: true } : {}),
        };
      else
        unread.push(
          `resources not checked: ${info?.problem ?? (info ? 'the cloud has no account' : 'the cloud is not open yet')}`,
        );
      const bus = services.bus;
      let jobs: JobView[] | undefined;
      if (!bus) unread.push('jobs and schedule runs not checked: no worker layer in this console');
      else {
        try {
          jobs = await bus.queue.list({ limit: adviceJobLimit });
          input.jobs = jobs;
        } catch (error) {
          unread.push(`jobs and schedule runs not checked: ${errorText(error)}`);
        }
      }
      const file = state.schedules.file;
      if (file) {
        for (const e of file.errors) unread.push(`schedules: ${formatSourceError(e)}`);
        if (jobs) input.schedules = scheduleRows(file, jobs, at).rows;
      } else if (services.schedules) unread.push('schedules not checked: schedules.yaml is not read yet');
      return input;
    };

    return {
      ask: (question) => {
        const id = ++seq;
        // A new question ends the answer of the last one.
        streaming?.abort();
        patch({
          shown: 'ask',
          lastJob: undefined,
          ask: { id, question, phase: 'gathering', notes: [], answer: '', proposed: [] },
        });
        ask(id, question).catch((error) =>
          patchAsk(id, { phase: 'done', outcome: 'error', message: `context: ${errorText(error)}` }),
        );
      },
      reopen: () => {
        if (!get().assistant.ask) return false;
        patch({ shown: 'ask' });
        return true;
      },
      send: () => {
        const id = get().assistant.ask?.id;
        if (id === undefined) return;
        send(id).catch((error) =>
          patchAsk(id, { phase: 'done', outcome: 'error', message: errorText(error) }),
        );
      },
      stop: () => streaming?.abort(),
      close: () => patch({ shown: null }),
      cancel: () => {
        const ask = get().assistant.ask;
        patch({
          shown: null,
          ...(ask && ask.phase !== 'done' && ask.phase !== 'streaming' ? { ask: undefined } : {}),
        });
      },
      advise: async () => {
        patch({ shown: 'advice', lastJob: undefined, advice: { ...get().assistant.advice, loading: true } });
        try {
          const report = adviseOn(await adviceInput());
          patch({ advice: { loading: false, report, at: now() } });
        } catch (error) {
          patch({
            advice: { loading: false, report: { findings: [], notes: [`advice: ${errorText(error)}`] } },
          });
        }
      },
      runJob: async (spec) => {
        const bus = services.bus;
        if (!bus) {
          patch({
            lastJob: { summary: spec.summary, state: 'failed', text: 'no worker layer in this console' },
          });
          return;
        }
        const { readOnly } = get().workspace;
        const account = get().cloud.info?.account;
        // A kind that acts on an account carries it: a worker on another account refuses instead of acting.
        const payload = account && namesAccount(spec.kind) ? { ...spec.payload, account } : spec.payload;
        try {
          // Read-only, the queue refuses a kind that changes things, and audits the refusal.
          const id = await bus.queue.enqueue({
            kind: spec.kind,
            payload,
            requestedBy: bus.requester,
            ...(readOnly ? { readOnly: true } : {}),
          } as JobSpec);
          patch({ lastJob: { summary: spec.summary, state: 'queued', text: `queued job ${id}`, jobId: id } });
          notify('info', `queued job ${id}: ${spec.summary}`);
        } catch (error) {
          const text = errorText(error);
          const refused = /^refused:/.test(text);
          patch({ lastJob: { summary: spec.summary, state: refused ? 'refused' : 'failed', text } });
          notify('error', `${spec.summary}: ${text}`);
        }
      },
      noteTable: (screen, read) => {
        const stack = tables.get(screen) ?? [];
        stack.push(read);
        tables.set(screen, stack);
        return () => {
          const at = stack.lastIndexOf(read);
          if (at >= 0) stack.splice(at, 1);
        };
      },
    };
  },
};

/** Whether the kind's payload names the account it acts on. */
function namesAccount(kind: JobKind): boolean {
  const shape = (payloadSchemas[kind] as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && 'account' in shape;
}
