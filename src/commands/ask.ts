import { createInterface } from 'node:readline/promises';
import type { ProposedAction } from '../domain/assistantAction';
import type { ChatMessage } from '../domain/assistantPrompt';
import { type JobSpec, payloadSchemas } from '../domain/job';
import { stripControl } from '../domain/text';
import type { AssistantReply } from '../services/ai/assistantClient';
import { exitCodes, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { gatherAdvice } from './advise';
import {
  accountToStamp,
  type CloudCommandIO,
  CommandCloud,
  commandReadOnly,
  jobOutcome,
  openCloudCommandBus,
  printJobLog,
  runCloudJob,
} from './cloudJob';
import { declareCommand, parseCommand, usageError } from './declaration';

export const askDeclaration = declareCommand({
  name: 'ask',
  summary: 'ask an OpenAI-compatible assistant about what infradeck sees',
  description:
    'Sends the question with context: the newest failed jobs and their last output lines, the error events on the ' +
    'bus, and what `infradeck advise` finds; secrets are masked first (AWS keys, tokens, values of *SECRET*, ' +
    '*TOKEN*, *KEY* variables). --show-context prints exactly what would be sent and sends nothing. The answer ' +
    'streams to stdout. A job the answer proposes (a ```json block of {kind, payload}) is checked and printed; ' +
    'with --run it is run after a y/N on the terminal, never in read-only mode. Endpoint: INFRADECK_AI_BASE_URL, ' +
    'INFRADECK_AI_MODEL, and INFRADECK_AI_API_KEY (or the keyring) when the server wants a key.',
  args: [{ name: 'QUESTION', variadic: true, help: 'the question (several words are joined)' }],
  flags: {
    'show-context': { type: 'boolean', help: 'print the messages that would be sent, send nothing' },
    run: { type: 'boolean', help: 'offer to run the proposed job (y/N on a terminal; refused read-only)' },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      help: 'wait this long for the answer to start, and between its pieces (default 120 and 60)',
    },
    account: { type: 'string', value: 'ID', help: "the advice in the context reads this account's cache" },
    json: {
      type: 'boolean',
      help: 'the question, context, answer, outcome and proposed jobs as one JSON object (nothing streamed)',
    },
  },
  exits: {
    0: 'answered (with --show-context: printed); a job run with --run completed',
    1: 'the answer failed (down, error, cut, timed out: the partial answer is printed), or --run was refused',
    2: 'bad arguments, or no endpoint configured (it says how)',
    4: 'stopped (Ctrl-C)',
  },
  run: (argv, io) => askCommand(argv, io),
});

/** Asks the person y/N; false when they say anything else. The default reads the terminal. */
export type Confirm = (question: string) => Promise<boolean>;

export interface AskDeps {
  /** Undefined: stdin is not a terminal, so nothing can be confirmed. */
  confirm?: Confirm;
}

function terminalConfirm(io: CloudCommandIO): Confirm | undefined {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: io.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

/** `infradeck ask [--show-context] [--run] [--timeout S] [--json] QUESTION…`. */
export async function askCommand(argv: string[], io: CloudCommandIO, deps?: AskDeps): Promise<number> {
  let values: { 'show-context'?: boolean; run?: boolean; timeout?: string; account?: string; json?: boolean };
  let question: string;
  let timeoutMs: number | undefined;
  try {
    const parsed = parseCommand(askDeclaration, argv);
    values = parsed.values;
    question = parsed.positionals.join(' ').trim();
    if (!question) throw new Error('what is the question? (`infradeck ask why did the nightly scan fail`)');
    if (values.timeout !== undefined) {
      const s = Number(values.timeout);
      if (!(s > 0 && s <= 3600))
        throw new Error(`--timeout ${values.timeout}: not a number of seconds (1 to 3600)`);
      timeoutMs = Math.round(s * 1000);
    }
    if (values.run && values['show-context']) throw new Error('--run and --show-context do not go together');
  } catch (error) {
    return usageError(askDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  const [{ assistantSettings }, { buildAssistantContext }, { chatMessages, formatMessages }, actions, masks] =
    await Promise.all([
      import('../services/ai/assistantSettings'),
      import('../domain/assistantContext'),
      import('../domain/assistantPrompt'),
      import('../domain/assistantAction'),
      import('../domain/secretMask'),
    ]);
  const found = await assistantSettings(io.env, timeoutMs ? { timeoutMs } : {});
  if (!found.ok && !values['show-context']) {
    if (json) io.stdout.write(`${JSON.stringify({ question, error: found.message }, null, 2)}\n`);
    io.stderr.write(`infradeck ask: ${found.message}\n`);
    return exitCodes.usage;
  }

  const cloud = new CommandCloud(io);
  const opened = await openCloudCommandBus(io, cloud);
  const bus = 'bus' in opened ? opened.bus : undefined;
  try {
    const context = await gatherContext(
      io,
      bus,
      'error' in opened ? opened.error : undefined,
      values.account,
      json,
    );
    const secrets = masks.secretValuesOf(io.env);
    const built = buildAssistantContext(context.input, { secrets });
    const messages = chatMessages(question, built, actions.proposableKinds(), secrets);
    const endpoint = found.ok ? { baseUrl: found.settings.baseUrl, model: found.settings.model } : null;

    if (values['show-context']) {
      if (json) {
        io.stdout.write(
          `${JSON.stringify({ endpoint, messages, masked: built.masked, notes: context.notes }, null, 2)}\n`,
        );
      } else {
        io.stdout.write(`${formatMessages(messages)}\n`);
        for (const n of context.notes) io.stderr.write(`context: ${n}\n`);
        io.stderr.write(
          `nothing was sent; ${built.masked} value${built.masked === 1 ? '' : 's'} masked` +
            `${endpoint ? `; it would go to ${endpoint.model} at ${endpoint.baseUrl}` : ''}\n`,
        );
      }
      return exitCodes.ok;
    }
    if (!found.ok) return exitCodes.usage; // unreachable: handled above
    const { settings } = found;
    if (!json) {
      for (const n of context.notes) io.stderr.write(`context: ${n}\n`);
      io.stderr.write(
        `asking ${settings.model} at ${settings.baseUrl}${settings.keyFrom ? ` (key from ${settings.keyFrom})` : ''}; ` +
          `context: ${built.sections.map((s) => s.title.toLowerCase()).join(', ') || 'none'}, ${built.masked} ` +
          `value${built.masked === 1 ? '' : 's'} masked (see it: --show-context)\n`,
      );
    }
    const reply = await streamAnswer(io, settings, messages, json);
    const proposed = actions.proposedActions(reply.text);
    const ran: { job?: string; status: string; summary: string }[] = [];
    let code = replyCode(reply);
    if (!json) printProposals(io, proposed);
    if (values.run) {
      const runCode = await runProposals(
        io,
        bus,
        cloud,
        proposed,
        deps ?? { confirm: terminalConfirm(io) },
        ran,
        json,
      );
      if (runCode !== exitCodes.ok || code === exitCodes.ok) code = Math.max(code, runCode);
    }
    if (json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            question,
            endpoint,
            context: { sections: built.sections, masked: built.masked, notes: context.notes },
            answer: reply.text,
            outcome: reply.outcome,
            ...(reply.message ? { message: reply.message } : {}),
            ...(reply.finishReason ? { finishReason: reply.finishReason } : {}),
            streamed: reply.streamed,
            proposed,
            ...(values.run ? { ran } : {}),
          },
          null,
          2,
        )}\n`,
      );
    }
    return code;
  } finally {
    await bus?.close();
  }
}

async function gatherContext(
  io: CloudCommandIO,
  bus: Bus | undefined,
  busError: string | undefined,
  account: string | undefined,
  quiet: boolean,
) {
  const { gatherAssistantSources } = await import('../services/ai/assistantSources');
  const notes: string[] = [];
  const sources = bus
    ? await gatherAssistantSources(bus)
    : { failedJobs: [], errorEvents: [], notes: [`jobs and events not included: ${busError}`] };
  notes.push(...sources.notes);
  const advice = await gatherAdvice(io, account, quiet);
  return {
    input: {
      now: Date.now(),
      failedJobs: sources.failedJobs,
      errorEvents: sources.errorEvents,
      findings: advice.report.findings,
    },
    notes,
  };
}

async function streamAnswer(
  io: CloudCommandIO,
  settings: import('../services/ai/assistantSettings').AssistantSettings,
  messages: ChatMessage[],
  json: boolean,
): Promise<AssistantReply> {
  const { askAssistant } = await import('../services/ai/assistantClient');
  const call = askAssistant(settings, messages, { signal: io.signal });
  let last = '';
  for await (const piece of call) {
    if (json) continue;
    // The model's text goes to a terminal: no escape sequence of its gets through.
    const shown = stripControl(piece.replace(/\r/g, ''));
    io.stdout.write(shown);
    last = shown || last;
  }
  const reply = await call.reply();
  if (!json) {
    if (reply.text && !last.endsWith('\n')) io.stdout.write('\n');
    if (reply.message)
      io.stderr.write(`${reply.outcome === 'complete' ? 'note' : 'infradeck ask'}: ${reply.message}\n`);
  }
  return reply;
}

function replyCode(reply: AssistantReply): number {
  if (reply.outcome === 'complete') return exitCodes.ok;
  if (reply.outcome === 'aborted') return exitCodes.cancelled;
  return exitCodes.failed;
}

function printProposals(io: CloudCommandIO, proposed: readonly ProposedAction[]): void {
  for (const p of proposed) {
    if (p.valid) {
      io.stderr.write(
        `proposed job (${p.kind}${p.changes ? ', changes things' : ', read-only'}): ${stripControl(p.summary)}\n` +
          `  ${JSON.stringify({ kind: p.kind, payload: p.payload })}\n`,
      );
    } else io.stderr.write(`proposed job not usable: ${stripControl(p.error)}\n`);
  }
  if (proposed.some((p) => p.valid))
    io.stderr.write('nothing was run (--run offers to run it after a y/N)\n');
}

/** Each valid proposal, confirmed one by one; refused without a terminal and, for kinds that change, read-only. */
async function runProposals(
  io: CloudCommandIO,
  bus: Bus | undefined,
  cloud: CommandCloud,
  proposed: readonly ProposedAction[],
  deps: AskDeps,
  ran: { job?: string; status: string; summary: string }[],
  json: boolean,
): Promise<number> {
  const valid = proposed.filter((p): p is Extract<ProposedAction, { valid: true }> => p.valid);
  if (valid.length === 0) {
    io.stderr.write('infradeck ask: --run: the answer proposes no job to run\n');
    return exitCodes.failed;
  }
  let code: number = exitCodes.ok;
  for (const p of valid) {
    if (p.changes && commandReadOnly(io)) {
      io.stderr.write(
        `infradeck ask: read-only: \`${stripControl(p.summary)}\` can change things and is not run\n`,
      );
      ran.push({ status: 'refused: read-only', summary: p.summary });
      code = exitCodes.failed;
      continue;
    }
    if (!deps.confirm) {
      io.stderr.write(
        `infradeck ask: --run asks y/N on a terminal and stdin is not one: \`${stripControl(p.summary)}\` is not run\n`,
      );
      ran.push({ status: 'refused: no terminal to confirm on', summary: p.summary });
      code = exitCodes.failed;
      continue;
    }
    if (!(await deps.confirm(`Run job \`${stripControl(p.summary)}\`?`))) {
      io.stderr.write('not run\n');
      ran.push({ status: 'declined', summary: p.summary });
      continue;
    }
    if (!bus) {
      io.stderr.write('infradeck ask: the job cannot be queued: the bus is not open\n');
      return exitCodes.unavailable;
    }
    const account = await accountToStamp(bus, cloud);
    const payload = account && namesAccount(p.kind) ? { ...p.payload, account } : p.payload;
    const spec = {
      kind: p.kind,
      payload,
      requestedBy: currentRequester(io.env),
      ...(commandReadOnly(io) ? { readOnly: true } : {}),
    } as JobSpec;
    const run = await runCloudJob(bus, spec, io, (e) => (json ? undefined : printJobLog(io, e)), {
      quiet: json,
      command: 'ask',
    });
    if ('error' in run) {
      io.stderr.write(`infradeck ask: ${run.error}\n`);
      ran.push({ status: `not queued: ${run.error}`, summary: p.summary });
      code = Math.max(code, run.code);
      continue;
    }
    if (!json) io.stderr.write(`${jobOutcome(run.job)}\n`);
    ran.push({ job: run.job.id, status: run.job.status, summary: p.summary });
    if (run.job.status !== 'completed')
      code = Math.max(code, run.job.status === 'cancelled' ? exitCodes.cancelled : exitCodes.failed);
  }
  return code;
}

/** Whether the kind's payload names the account it acts on (a worker on another account then refuses it). */
function namesAccount(kind: JobSpec['kind']): boolean {
  const shape = (payloadSchemas[kind] as { shape?: Record<string, unknown> }).shape;
  return shape !== undefined && 'account' in shape;
}
