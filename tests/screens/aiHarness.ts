import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deckBusOf } from '../../src/openWorkspace';
import { deckAiFor } from '../../src/services/ai/deckAi';
import { loadExperiments, planRuns } from '../../src/services/ai/experiments';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { experimentRunHandler } from '../../src/worker/handlers/experimentRun';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, type StartDeckOptions, startDeck } from '../harness/startDeck';

const exampleAi = join(import.meta.dirname, '..', '..', 'data', 'ai');

/**
 * A run that goes on until cancelled: a point of `loss` and `acc` every 40 ms (its step counting up), a log line
 * every tenth, started with `{steps}` (0: forever).
 */
const slowScript = `
let step = 0;
const steps = Number(process.argv[2] || 0);
console.log('slow: starting, ' + (steps || 'endless') + ' steps');
const timer = setInterval(() => {
  step++;
  console.log(JSON.stringify({ step, loss: 1 / step, acc: 1 - 1 / (step + 1) }));
  if (step % 10 === 0) console.log('slow: at step ' + step);
  if (steps && step >= steps) { clearInterval(timer); console.log('slow: done'); }
}, 40);
`;

const slowYaml = `description: a run that prints a point every 40 ms
command: [node, ai/slow.mjs, "{steps}"]
params: { steps: 0 }
metric: loss
`;

/** The example workspace's `ai/` (tiny-regression) and a slow experiment, in a temp folder; runs on a memory bus. */
export class AiWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'infradeck-aitab-'));
  readonly bus: Bus;
  deck: DeckSession | undefined;

  constructor() {
    cpSync(exampleAi, join(this.dir, 'ai'), { recursive: true });
    writeFileSync(join(this.dir, 'ai', 'slow.mjs'), slowScript);
    mkdirSync(join(this.dir, 'ai', 'experiments'), { recursive: true });
    writeFileSync(join(this.dir, 'ai', 'experiments', 'slow.yaml'), slowYaml);
    this.bus = openMemoryBus({
      handlers: { experimentRun: experimentRunHandler({ dataDir: this.dir, killGraceMs: 300 }) },
      concurrency: 4,
      requester: operator,
      dataDir: this.dir,
    });
  }

  /** The console on this workspace, on the AI tab. */
  async open(opts: Omit<StartDeckOptions, 'bus'> = {}): Promise<DeckSession> {
    this.deck = await startDeck({
      ...opts,
      bus: deckBusOf(this.bus, operator),
      services: { ai: deckAiFor({ dataDir: this.dir, env: {} }), ...opts.services },
      size: opts.size ?? { columns: 120, rows: 35 },
    });
    this.deck.store.getState().actions.ui.showTab('ai');
    await this.deck.waitFor(/tiny-regression/);
    return this.deck;
  }

  /** Starts runs as `infradeck ai run NAME --param …` does (not through the console), returns their ids. */
  async start(name: string, overrides: Record<string, string> = {}): Promise<string[]> {
    const found = (await loadExperiments(this.dir)).find((f) => f.ok && f.experiment.name === name);
    if (!found?.ok) throw new Error(`no experiment ${name}`);
    const planned = await planRuns(found, { dataDir: this.dir, overrides });
    if (!planned.ok) throw new Error(planned.errors.join('\n'));
    const ids: string[] = [];
    for (const payload of planned.plan.payloads)
      ids.push(await this.bus.queue.enqueue({ kind: 'experimentRun', payload, requestedBy: operator }));
    return ids;
  }

  async ended(id: string, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.bus.queue.get(id);
      if (job && ['completed', 'failed', 'cancelled'].includes(job.status)) return job.status;
      if (Date.now() > deadline) throw new Error(`run ${id} did not end (${job?.status})`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async close(): Promise<void> {
    this.deck?.unmount();
    await this.bus.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A frame without its SGR sequences (the chart's colours are in the text itself). */
export const plain = (frame: string) => frame.replace(/\x1b\[[0-9;]*m/g, '');

/** The text of the status bar's last error. */
export const lastError = (deck: DeckSession) => deck.store.getState().ui.lastError?.text ?? '';
