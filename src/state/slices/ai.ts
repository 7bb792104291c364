import {
  type AiRunRow,
  addLivePoints,
  aiRunRows,
  type ExperimentInfo,
  type LiveRun,
  paramsText,
  sparkKept,
} from '../../domain/aiRunRows';
import type { SeriesPoint } from '../../domain/downsample';
import type { DeckEvent } from '../../domain/event';
import type { Checkpoint, MetricSeries } from '../../domain/experimentMetrics';
import type { JobView } from '../../domain/job';
import type { AiMetricsEventData, ExperimentRunPayload } from '../../domain/jobKinds/experimentRun';
import { sparkValues } from '../../domain/metricChartValues';
import { type JobsById, mergeJobList } from '../reducers/jobs';
import type { AiRunPlan } from '../services/ai';
import { errorText, followFiles, type Slice } from '../slice';
import type { DeckState } from '../store';

/**
 * A run's points as a chart draws them (x: step, y: value), per metric in order of first appearance: read from the
 * metrics store when the run is opened, then appended from its `ai.metrics` events while it runs.
 */
export interface RunChart {
  /** Mutated in place as points arrive; `version` says when to draw again. */
  series: Map<string, SeriesPoint[]>;
  checkpoints: Checkpoint[];
  loading: boolean;
  error?: string;
  /** Bumped when new points are shown: at most every `chartRefreshMs`, however fast events come. */
  version: number;
  /** Points arrived that no frame has shown yet. */
  dirty: boolean;
}

export interface AiState {
  /** The experiment files as last read; undefined until then. */
  experiments?: ExperimentInfo[];
  /** The experiment whose runs are open (Enter on an experiment, `:ai NAME`). */
  experiment?: string;
  /** The run open over the runs (Enter on a run). */
  run?: string;
  /** The runs compared (2–4, selected with Space). */
  compare?: string[];
  /** The metric charted (`m`); undefined: the experiment's main metric. */
  metric?: string;
  /** Charts of the runs open (the run, or the compared ones) by run id. */
  charts: Record<string, RunChart>;
  /** What `ai.metrics` events told of runs still going, by run id. */
  live: Record<string, LiveRun>;
  /** Each finished run's main metric, thinned for a sparkline, read from the store once. */
  sparks: Record<string, number[]>;
}

export interface AiActions {
  /** The experiment files and the runs in the queue, read again (the tab shown, `r`). */
  reload(): Promise<void>;
  /** Reads the experiments and runs now and the experiment files again after every change, until the stop. */
  connect(): () => void;
  /** The `experimentRun` jobs of the queue into the jobs slice (the list of every kind may hold only the newest). */
  fetchRuns(): Promise<void>;
  openExperiment(name: string): void;
  openRun(id: string): Promise<void>;
  openCompare(ids: readonly string[]): Promise<void>;
  /** Esc: closes what is open innermost (the run or the comparison, then the experiment). */
  back(): void;
  /** `:ai`: back to the experiments, whatever is open. */
  closeAll(): void;
  setMetric(name: string | undefined): void;
  /** Reads a run's chart again from the store (it ended: the whole series, not the events' thinned bursts). */
  reloadChart(id: string, ended?: boolean): Promise<void>;
  /** Reads the main metric of finished runs that have no sparkline yet (newest first, a few at a time). */
  loadSparks(ids: readonly string[]): Promise<void>;
  /** The runs a start would make, or the problems (the `n` form shows them under their fields). */
  plan(experiment: string, overrides: Record<string, string>): Promise<AiRunPlan>;
  /** Starts the runs of the plan: one `experimentRun` job each. Returns a problem for the form, or nothing. */
  start(experiment: string, overrides: Record<string, string>): Promise<string | undefined>;
  cancel(id: string): Promise<void>;
  retry(id: string): Promise<void>;
  /** Shows the points that arrived since the last frame (throttled to `chartRefreshMs`). */
  showNewPoints(): void;
}

/** How often a chart is drawn again while points stream in: a run printing thousands a second costs four frames. */
export const chartRefreshMs = 250;
/** `experimentRun` jobs read on reload. */
const runsRead = 500;
/** Sparklines read from the store per call (each read is a whole run's points). */
const sparksPerLoad = 12;

interface RowsMemo {
  byId: JobsById;
  live: Record<string, LiveRun>;
  rows: AiRunRow[];
}
let rowsMemo: RowsMemo | undefined;

/** Every experiment run, newest first; the same array while neither the jobs nor the live metrics changed. */
export function aiRunRowsOf(s: Pick<DeckState, 'ai' | 'jobs'>): AiRunRow[] {
  const { byId } = s.jobs;
  const { live } = s.ai;
  if (rowsMemo && rowsMemo.byId === byId && rowsMemo.live === live) return rowsMemo.rows;
  const rows = aiRunRows(byId.values(), live);
  rowsMemo = { byId, live, rows };
  return rows;
}

/** Appends event points past the last step a metric already has (an event may repeat what the store read gave). */
function appendPoints(
  chart: Pick<RunChart, 'series' | 'checkpoints' | 'dirty'>,
  series: readonly MetricSeries[],
  checkpoints: readonly Checkpoint[],
) {
  for (const s of series) {
    let points = chart.series.get(s.name);
    if (!points) {
      points = [];
      chart.series.set(s.name, points);
    }
    for (const p of s.points) {
      const last = points[points.length - 1];
      if (last === undefined || p.step > last.x) points.push({ x: p.step, y: p.value });
    }
  }
  for (const c of checkpoints) {
    if (!chart.checkpoints.some((k) => k.uri === c.uri && k.step === c.step)) chart.checkpoints.push(c);
  }
  chart.dirty = true;
}

function eventData(e: DeckEvent): AiMetricsEventData | undefined {
  const data = e.data as Partial<AiMetricsEventData> | undefined;
  if (typeof data?.run !== 'string' || !Array.isArray(data.series)) return undefined;
  return {
    run: data.run,
    experiment: String(data.experiment ?? ''),
    series: data.series,
    checkpoints: Array.isArray(data.checkpoints) ? data.checkpoints : [],
    points: Number(data.points) || 0,
    total: Number(data.total) || 0,
    thinned: data.thinned === true,
  };
}

const endTypes = new Set(['job.completed', 'job.failed', 'job.cancelled']);

/** Experiments, their runs, a run's chart and comparisons of runs: the AI tab. */
export const aiSlice: Slice<'ai', AiState, AiActions> = {
  name: 'ai',
  initial: () => ({ charts: {}, live: {}, sparks: {} }),
  actions: ({ services, get, set, patch, notify, now }) => {
    const ai = services.ai;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let lastFlush = Number.NEGATIVE_INFINITY;
    const sparking = new Set<string>();

    /** The charts the open views need: the others are dropped (a 200,000-point run is not kept for nothing). */
    const wanted = (s = get().ai) => new Set([...(s.run ? [s.run] : []), ...(s.compare ?? [])]);

    /** The newest read of each run's chart: an older read that ends later is dropped. */
    const reads = new Map<string, object>();
    /** `ended`: the run ended; its chart stays on screen while the store is read again, then is replaced whole. */
    const loadChart = async (id: string, ended = false) => {
      const token = {};
      reads.set(id, token);
      const before = get().ai.charts[id];
      if (ended && before) patchChart(id, { loading: true });
      else {
        const chart: RunChart = {
          series: new Map(),
          checkpoints: [],
          loading: true,
          version: 0,
          dirty: false,
        };
        set((s) => ({ ai: { ...s.ai, charts: { ...s.ai.charts, [id]: chart } } }));
      }
      if (!ai) {
        patchChart(id, { loading: false, error: 'no metrics store in this console' });
        return;
      }
      try {
        const data = await ai.readMetrics(id);
        const current = get().ai.charts[id];
        if (reads.get(id) !== token || !current) return;
        // The store's points first, then those events brought while it was read (past the store's last step).
        const read: Pick<RunChart, 'series' | 'checkpoints' | 'dirty'> = {
          series: new Map(data.series.map((s) => [s.name, s.points.map((p) => ({ x: p.step, y: p.value }))])),
          checkpoints: [...data.checkpoints],
          dirty: false,
        };
        if (!ended)
          appendPoints(
            read,
            [...current.series].map(([name, pts]) => ({
              name,
              points: pts.map((p) => ({ step: p.x, value: p.y, time: 0 })),
            })),
            current.checkpoints,
          );
        patchChart(id, {
          series: read.series,
          checkpoints: read.checkpoints,
          loading: false,
          error: undefined,
        });
      } catch (error) {
        if (reads.get(id) === token)
          patchChart(id, { loading: false, error: `metrics of run ${id}: ${errorText(error)}` });
      }
    };

    const patchChart = (id: string, change: Partial<RunChart>) => {
      const chart = get().ai.charts[id];
      if (!chart) return;
      set((s) => ({
        ai: {
          ...s.ai,
          charts: { ...s.ai.charts, [id]: { ...chart, ...change, version: chart.version + 1, dirty: false } },
        },
      }));
    };

    const dropUnwanted = () => {
      const keep = wanted();
      const charts = get().ai.charts;
      if (Object.keys(charts).every((id) => keep.has(id))) return;
      patch({ charts: Object.fromEntries(Object.entries(charts).filter(([id]) => keep.has(id))) });
    };

    const mainMetric = (job: JobView | undefined): string | undefined =>
      (job?.payload as Partial<ExperimentRunPayload> | undefined)?.metric?.name;

    /** The experiment files, read again; a problem not told before goes on the message line. */
    const readExperiments = (): Promise<void> =>
      ai
        ? ai.loadExperiments().then(
            (experiments) => {
              const before = new Set((get().ai.experiments ?? []).flatMap((e) => e.errors));
              patch({ experiments });
              for (const e of experiments)
                for (const text of e.errors) if (!before.has(text)) notify('error', text);
            },
            (error) => notify('error', `experiments: ${errorText(error)}`),
          )
        : Promise.resolve(get().ai.experiments === undefined ? patch({ experiments: [] }) : undefined);

    const actions: AiActions = {
      connect: () => {
        void actions.fetchRuns();
        return followFiles(ai?.watchExperiments, () => void readExperiments(), 'ai/experiments/', notify);
      },

      reload: async () => {
        await Promise.all([readExperiments(), actions.fetchRuns()]);
      },

      fetchRuns: async () => {
        const queue = services.bus?.queue;
        if (!queue) return;
        try {
          const listed = await queue.list({ kind: 'experimentRun', limit: runsRead });
          if (listed.length > 0)
            set((s) => ({ jobs: { ...s.jobs, byId: mergeJobList(s.jobs.byId, listed, s.jobs.log?.jobId) } }));
        } catch (error) {
          if (services.bus?.state.get().state === 'connected')
            notify('error', `experiment runs: ${errorText(error)}`);
        }
      },

      openExperiment: (name) => {
        patch({ experiment: name, run: undefined, compare: undefined, metric: undefined });
        dropUnwanted();
      },

      openRun: async (id) => {
        const job = get().jobs.byId.get(id);
        const experiment = (job?.payload as Partial<ExperimentRunPayload> | undefined)?.experiment;
        patch({
          run: id,
          compare: undefined,
          metric: undefined,
          ...(experiment && !get().ai.experiment ? { experiment } : {}),
        });
        dropUnwanted();
        await Promise.all([loadChart(id), get().actions.jobs.openLog(id)]);
      },

      openCompare: async (ids) => {
        if (ids.length < 2 || ids.length > 4) {
          notify('warn', `compare: select 2 to 4 runs with Space (${ids.length} selected)`);
          return;
        }
        patch({ compare: [...ids], run: undefined, metric: undefined });
        if (get().jobs.log) get().actions.jobs.closeLog();
        dropUnwanted();
        await Promise.all(ids.map((id) => loadChart(id)));
      },

      back: () => {
        const s = get().ai;
        if (s.run || s.compare) {
          if (s.run) get().actions.jobs.closeLog();
          patch({ run: undefined, compare: undefined, metric: undefined });
        } else patch({ experiment: undefined });
        dropUnwanted();
      },

      closeAll: () => {
        if (get().ai.run) get().actions.jobs.closeLog();
        patch({ experiment: undefined, run: undefined, compare: undefined, metric: undefined });
        dropUnwanted();
      },

      setMetric: (name) => patch({ metric: name }),

      reloadChart: async (id, ended) => {
        if (wanted().has(id)) await loadChart(id, ended);
      },

      loadSparks: async (ids) => {
        if (!ai) return;
        const todo = ids.filter((id) => !get().ai.sparks[id] && !sparking.has(id)).slice(0, sparksPerLoad);
        for (const id of todo) sparking.add(id);
        try {
          for (const id of todo) {
            const job = get().jobs.byId.get(id);
            try {
              const data = await ai.readMetrics(id);
              const name = mainMetric(job) ?? data.series[0]?.name;
              const series = data.series.find((s) => s.name === name);
              const values = sparkValues(series?.points.map((p) => p.value) ?? [], sparkKept);
              set((s) => ({ ai: { ...s.ai, sparks: { ...s.ai.sparks, [id]: values } } }));
            } catch {
              // A run whose points cannot be read shows no sparkline; opening it says why.
              set((s) => ({ ai: { ...s.ai, sparks: { ...s.ai.sparks, [id]: [] } } }));
            }
          }
        } finally {
          for (const id of todo) sparking.delete(id);
        }
      },

      plan: async (experiment, overrides) => {
        if (!ai) return { ok: false, errors: [{ message: 'no experiments in this console' }] };
        return ai.plan(experiment, overrides);
      },

      start: async (experiment, overrides) => {
        const bus = services.bus;
        if (!bus) return 'no worker layer in this console';
        const readOnly = get().workspace.readOnly;
        const planned = await actions.plan(experiment, overrides);
        if (!planned.ok) {
          if (readOnly) notify('error', `start ${experiment}: ${planned.errors[0]?.message ?? 'refused'}`);
          return planned.errors.map((e) => e.message).join('; ');
        }
        const ids: string[] = [];
        for (const payload of planned.payloads) {
          try {
            ids.push(
              await bus.queue.enqueue({
                kind: 'experimentRun',
                payload,
                requestedBy: bus.requester,
                ...(planned.timeoutMs ? { timeoutMs: planned.timeoutMs } : {}),
                // Read-only: the queue refuses it (a run can change anything) and records the refusal in the audit.
                ...(readOnly ? { readOnly: true } : {}),
              }),
            );
          } catch (error) {
            const before = ids.length ? ` (started before that: ${ids.join(', ')})` : '';
            notify('error', `start ${experiment}: ${errorText(error)}${before}`);
            return undefined;
          }
        }
        const first = planned.payloads[0];
        notify(
          'info',
          ids.length === 1
            ? `run ${ids[0]} of ${experiment} started${first && Object.keys(first.params).length ? ` (${paramsText(first.params)})` : ''}`
            : `${ids.length} runs of ${experiment} started: ${ids.join(', ')}`,
        );
        await actions.fetchRuns();
        return undefined;
      },

      cancel: (id) => get().actions.jobs.cancel(id),

      retry: async (id) => {
        await get().actions.jobs.retry(id);
      },

      showNewPoints: () => {
        if (flushTimer) return;
        const publish = () => {
          flushTimer = undefined;
          lastFlush = now();
          const charts = get().ai.charts;
          const dirty = Object.entries(charts).filter(([, c]) => c.dirty);
          if (dirty.length === 0) return;
          const next = { ...charts };
          for (const [id, c] of dirty) next[id] = { ...c, version: c.version + 1, dirty: false };
          patch({ charts: next });
        };
        const wait = lastFlush + chartRefreshMs - now();
        if (wait <= 0) publish();
        else {
          flushTimer = setTimeout(publish, wait);
          flushTimer.unref?.();
        }
      },
    };
    return actions;
  },
  reducers: {
    'ai.metrics': (ai, events) => {
      let live = ai.live;
      for (const e of events) {
        const data = eventData(e);
        if (!data) continue;
        if (live === ai.live) live = { ...live };
        live[data.run] = addLivePoints(live[data.run], data.series, data.total);
        // The open chart's arrays grow in place: the frame that shows them comes from `showNewPoints`.
        const chart = ai.charts[data.run];
        if (chart) appendPoints(chart, data.series, data.checkpoints);
      }
      return live === ai.live ? ai : { ...ai, live };
    },
  },
  effects: {
    'ai.metrics': (_events, deck) => {
      if (Object.values(deck.ai.charts).some((c) => c.dirty)) deck.actions.ai.showNewPoints();
    },
    // An open run that ends is read again whole (events thin bursts); one that starts again starts from no points.
    'job.*': (events, deck) => {
      const open = new Set([...(deck.ai.run ? [deck.ai.run] : []), ...(deck.ai.compare ?? [])]);
      const again = new Map<string, boolean>();
      for (const e of events) {
        if (!e.jobId) continue;
        const ends =
          endTypes.has(e.type) && (e.data as { kind?: string } | undefined)?.kind === 'experimentRun';
        const restarts = e.type === 'job.started' && Number((e.data as { attempt?: number })?.attempt) > 1;
        if ((ends || restarts) && open.has(e.jobId)) again.set(e.jobId, ends);
      }
      for (const [id, ended] of again) void deck.actions.ai.reloadChart(id, ended);
    },
  },
};
