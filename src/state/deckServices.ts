import type { DeckAccess } from './services/access';
import type { DeckAi } from './services/ai';
import type { DeckAssistant } from './services/assistant';
import type { DeckBatches } from './services/batches';
import type { DeckBus } from './services/bus';
import type { DeckCloud } from './services/cloud';
import type { DeckHistory } from './services/history';
import type { DeckPipelines } from './services/pipelines';
import type { DeckProjects } from './services/projects';
import type { DeckRepos } from './services/repos';
import type { DeckSchedules } from './services/schedules';
import type { DeckServers } from './services/servers';
import type { DeckTimeline } from './services/timeline';

/**
 * What the console needs from the outside world, one entry per area; each slice's actions call its own.
 * The entry point wires real implementations, tests may wire their own.
 */
export interface DeckServices {
  repos: DeckRepos;
  bus?: DeckBus;
  cloud?: DeckCloud;
  servers?: DeckServers;
  /** The blueprints of `<dataDir>/projects` (Deployments screen). */
  projects?: DeckProjects;
  /** The workspace's `schedules.yaml` (Scheduler screen, the Dashboard's next run). */
  schedules?: DeckSchedules;
  /** The workspace's `batches/*.yaml` and the servers.yaml hosts batch targets resolve against (Batch screen). */
  batches?: DeckBatches;
  /** Local pipelines and the repositories' remote CI (Pipelines screen, the Repositories tab's CI column). */
  pipelines?: DeckPipelines;
  /** The assistant endpoint of `:ask` (INFRADECK_AI_BASE_URL…); absent: `:ask` says there is none. */
  assistant?: DeckAssistant;
  /** The bus's events over time, commits, job output, pins and AI run metrics (Timeline tab). */
  timeline?: DeckTimeline;
  /** The workspace's experiments (`ai/experiments/*.yaml`) and the runs' metrics store (AI tab). */
  ai?: DeckAi;
  /** The workspace's `access.yaml` and who the console asks as (the status bar's role, greyed keys). */
  access?: DeckAccess;
  /** The prompts' lines of earlier sessions (per user); absent: each session starts with none. */
  history?: DeckHistory;
}
