import type { ExperimentInfo } from '../../domain/aiRunRows';
import { gridSize } from '../../domain/experiment';
import type { ExperimentFile } from '../../domain/experimentSource';
import { formatSourceError } from '../../domain/sourceError';
import type { AiRunPlan, DeckAi } from '../../state/services/ai';
import { busSettings } from '../bus/busFromEnv';
import { isYamlName, watchFiles } from '../storage/watchFiles';
import {
  experimentNameOf,
  experimentsFolder,
  loadExperiments,
  planRuns,
  readParamOverrides,
} from './experiments';
import { type OpenRunMetrics, runMetricsFolder, runMetricsOpener } from './runMetrics';

export interface DeckAiOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Where run metrics are read (default: as the workers write them, Redis with REDIS_URL or the workspace's files). */
  metrics?: OpenRunMetrics;
}

function infoOf(found: ExperimentFile): ExperimentInfo {
  if (!found.ok) {
    return {
      name: experimentNameOf(found),
      file: found.file,
      errors: found.errors.map(formatSourceError),
      params: {},
      grid: {},
      where: '-',
      runs: 0,
    };
  }
  const e = found.experiment;
  const text = (v: string | number | boolean) => String(v);
  return {
    name: e.name,
    file: found.file,
    errors: [],
    params: Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, text(v)])),
    grid: Object.fromEntries(Object.entries(e.grid).map(([k, vs]) => [k, vs.map(text)])),
    ...(e.metric ? { metric: e.metric } : {}),
    where: e.where.type === 'worker' ? 'worker' : `${e.where.type} ${e.where.server}`,
    runs: gridSize(e.grid),
  };
}

/**
 * The AI tab's experiments and metrics: the files are read afresh at each call (an edit shows when the tab is shown
 * again), the store is opened per read and closed after it (a console holds no metrics connection between reads).
 */
export function deckAiFor(opts: DeckAiOptions): DeckAi {
  const { dataDir, env } = opts;
  const settings = busSettings(env);
  const open = opts.metrics ?? runMetricsOpener({ ...settings, dataDir });
  return {
    metricsWhere: settings.redisUrl ? `Redis (prefix ${settings.prefix})` : runMetricsFolder(dataDir),
    loadExperiments: async () => (await loadExperiments(dataDir)).map(infoOf),
    watchExperiments: (onChange, onError) =>
      watchFiles(experimentsFolder(dataDir), isYamlName, onChange, { onError }),
    plan: async (experiment, overrides): Promise<AiRunPlan> => {
      const found = (await loadExperiments(dataDir)).filter((f) => experimentNameOf(f) === experiment);
      if (found.length === 0)
        return { ok: false, errors: [{ message: `no experiment "${experiment}" in ai/experiments now` }] };
      if (found.length > 1)
        return {
          ok: false,
          errors: [
            {
              message: `"${experiment}" names ${found.length} experiments (${found.map((f) => f.file).join(', ')}): give one its own \`name:\``,
            },
          ],
        };
      const [one] = found as [ExperimentFile];
      if (!one.ok) return { ok: false, errors: one.errors.map((e) => ({ message: formatSourceError(e) })) };
      const words = Object.entries(overrides).map(([k, v]) => `${k}=${v}`);
      const read = readParamOverrides(words, one.experiment);
      if (!read.ok) return { ok: false, errors: [{ message: read.error }] };
      const planned = await planRuns(one, { dataDir, overrides: read.overrides, env });
      if (!planned.ok) return { ok: false, errors: planned.errors.map((message) => ({ message })) };
      return {
        ok: true,
        payloads: planned.plan.payloads,
        ...(planned.plan.timeoutMs !== undefined ? { timeoutMs: planned.plan.timeoutMs } : {}),
      };
    },
    readMetrics: async (run) => {
      if (!open) throw new Error('no metrics store: no REDIS_URL and no workspace folder');
      const store = await open();
      try {
        return await store.read(run);
      } finally {
        await store.close();
      }
    },
  };
}
