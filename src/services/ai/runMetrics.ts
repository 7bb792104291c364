import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type MetricsChunk,
  metricsOfChunks,
  type RunMetricsData,
  readChunk,
} from '../../domain/experimentMetrics';

/**
 * Where the metrics of experiment runs are kept, per run, apart from the event stream: the stream is capped (a
 * run printing 200,000 points would push everything else out of it, and be cut itself) and a console that starts
 * later must still chart a run that ended yesterday.
 *
 * - With Redis (`redisRunMetrics`): a list per run, `<prefix>:metrics:<run>`, one entry per write. Workers on other
 *   hosts share nothing but Redis, so the worker that runs a job writes there and any console or CLI reads there.
 * - Without (the memory transport runs jobs in the process that asked): `<workspace>/.cache/ai/metrics/<run>.jsonl`,
 *   one line per write, so the points outlive the process like the workspace's job history does.
 */
export interface RunMetricsStore {
  /** For people: `redis://host:6379 (prefix infradeck)` or the folder. */
  readonly where: string;
  /** Forgets a run's points (a new attempt of the run starts from none). */
  clear(run: string): Promise<void>;
  append(run: string, chunk: MetricsChunk): Promise<void>;
  /** Every point and checkpoint of the run, in the order written; none for a run it has nothing of. */
  read(run: string): Promise<RunMetricsData>;
  close(): Promise<void>;
}

/** Opens a store; each caller closes its own (a worker opens one per run: no connection outlives its job). */
export type OpenRunMetrics = () => Promise<RunMetricsStore>;

export interface RunMetricsSettings {
  /** `REDIS_URL`: the Redis store; without it the workspace's files. */
  redisUrl?: string;
  prefix?: string;
  redisCaFile?: string;
  /** The workspace folder (the file store's home). */
  dataDir?: string;
}

/**
 * The store of a process's settings (the bus's: `busSettings(env)`), opened when asked for; undefined when there
 * is nowhere to keep metrics (no Redis and no workspace folder).
 */
export function runMetricsOpener(settings: RunMetricsSettings): OpenRunMetrics | undefined {
  const { redisUrl, dataDir } = settings;
  if (redisUrl) {
    return async () => {
      // Loaded here: a process without Redis never loads ioredis for this.
      const { RedisRunMetrics } = await import('./redisRunMetrics');
      return new RedisRunMetrics({ ...settings, redisUrl });
    };
  }
  if (dataDir) return async () => new FileRunMetrics(runMetricsFolder(dataDir));
  return undefined;
}

/** `<workspace>/.cache/ai/metrics`: disposable like the rest of `.cache`, and out of the way in a checked-in workspace. */
export function runMetricsFolder(dataDir: string): string {
  return join(dataDir, '.cache', 'ai', 'metrics');
}

/** A run id as a file name: job ids are plain (`42`, `412.web-1`, `idem-…`), anything else is made so. */
function fileName(run: string): string {
  return `${run.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_')}.jsonl`;
}

/** The file store: one JSON line per write, appended (a torn last line after a crash is skipped when read). */
export class FileRunMetrics implements RunMetricsStore {
  readonly where: string;
  private made = false;

  constructor(private readonly folder: string) {
    this.where = folder;
  }

  async clear(run: string): Promise<void> {
    await rm(join(this.folder, fileName(run)), { force: true });
  }

  async append(run: string, chunk: MetricsChunk): Promise<void> {
    if (!this.made) {
      await mkdir(this.folder, { recursive: true });
      this.made = true;
    }
    await appendFile(join(this.folder, fileName(run)), `${JSON.stringify(chunk)}\n`);
  }

  async read(run: string): Promise<RunMetricsData> {
    let text: string;
    try {
      text = await readFile(join(this.folder, fileName(run)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { series: [], checkpoints: [] };
      throw error;
    }
    const chunks: MetricsChunk[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      const chunk = readChunk(line);
      if (chunk) chunks.push(chunk);
    }
    return metricsOfChunks(chunks);
  }

  async close(): Promise<void> {}
}
