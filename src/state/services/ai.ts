import type { ExperimentInfo } from '../../domain/aiRunRows';
import type { RunMetricsData } from '../../domain/experimentMetrics';
import type { ExperimentRunPayload } from '../../domain/jobKinds/experimentRun';
import type { WatchFiles } from '../slice';

/** What one start of an experiment asks the queue for: a payload per run of its grid. */
export type AiRunPlan =
  | { ok: true; payloads: ExperimentRunPayload[]; timeoutMs?: number }
  /** `field`: the param a problem is about (the form shows it under that field). */
  | { ok: false; errors: Array<{ message: string; field?: string }> };

/**
 * The workspace's experiments and the runs' metrics store as the AI tab uses them; `openWorkspace` wires the real
 * one (`services/ai/deckAi`). The runs themselves are `experimentRun` jobs of the console's queue.
 */
export interface DeckAi {
  /** `ai/experiments/*.yaml`, each checked; `errors`: the folder could not be read. */
  loadExperiments(): Promise<ExperimentInfo[]>;
  /** Follows `ai/experiments/*.yaml`. */
  watchExperiments?: WatchFiles;
  /** The runs a start of `experiment` makes with these param values (a grid key set to one value is no longer varied). */
  plan(experiment: string, overrides: Record<string, string>): Promise<AiRunPlan>;
  /** Every point and checkpoint the store has of a run (Redis with REDIS_URL, else the workspace's files). */
  readMetrics(run: string): Promise<RunMetricsData>;
  /** Where the points are kept, for people. */
  metricsWhere: string;
}
