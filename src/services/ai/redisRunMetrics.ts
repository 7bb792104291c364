import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Redis } from 'ioredis';
import {
  type MetricsChunk,
  metricsOfChunks,
  type RunMetricsData,
  readChunk,
} from '../../domain/experimentMetrics';
import { describeRedisError } from '../bus/redisBus';
import { parseRedisUrl } from '../bus/redisUrl';
import type { RunMetricsSettings, RunMetricsStore } from './runMetrics';

/** A run's points are kept this long after its last write (a run's job is long gone from BullMQ by then). */
export const metricsTtlSeconds = 90 * 24 * 3600;
/** Entries read per LRANGE: a 200,000-point run is a few hundred entries, but a reader must not ask for all at once. */
const readPage = 500;

/**
 * The Redis store (`runMetrics.ts` says why it exists): one list per run, `<prefix>:metrics:<run>`, an entry per
 * write (`MetricsChunk` as JSON), its expiry pushed out to `metricsTtlSeconds` by every write. Its own connection,
 * opened lazily and closed with the store, so a worker holds none between runs. Fails fast while Redis is away
 * (nothing is queued in memory): the caller keeps its points and writes them again.
 */
export class RedisRunMetrics implements RunMetricsStore {
  readonly where: string;
  private readonly conn: Redis;
  private readonly prefix: string;
  private readonly display: string;
  private connecting: Promise<void> | undefined;

  constructor(settings: RunMetricsSettings & { redisUrl: string }) {
    const target = parseRedisUrl(settings.redisUrl);
    if (settings.redisCaFile) {
      const ca = readFileSync(settings.redisCaFile, 'utf8');
      target.options.tls = { ...target.options.tls, ca: [...rootCertificates, ca] };
    }
    this.prefix = settings.prefix ?? 'infradeck';
    this.display = target.display;
    this.where = `${target.display} (prefix ${this.prefix})`;
    this.conn = new Redis({
      ...target.options,
      lazyConnect: true,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(250 * times, 2_000),
      connectionName: `infradeck-metrics-${process.pid}`,
    });
    this.conn.on('error', () => {});
  }

  /** `<prefix>:metrics:<run>`. */
  key(run: string): string {
    return `${this.prefix}:metrics:${run}`;
  }

  async clear(run: string): Promise<void> {
    await this.call(() => this.conn.del(this.key(run)));
  }

  async append(run: string, chunk: MetricsChunk): Promise<void> {
    const key = this.key(run);
    await this.call(() =>
      this.conn.multi().rpush(key, JSON.stringify(chunk)).expire(key, metricsTtlSeconds).exec(),
    );
  }

  async read(run: string): Promise<RunMetricsData> {
    const key = this.key(run);
    const chunks: MetricsChunk[] = [];
    for (let from = 0; ; from += readPage) {
      const page = await this.call(() => this.conn.lrange(key, from, from + readPage - 1));
      for (const raw of page) {
        const chunk = readChunk(raw);
        if (chunk) chunks.push(chunk);
      }
      if (page.length < readPage) break;
    }
    return metricsOfChunks(chunks);
  }

  async close(): Promise<void> {
    if (this.conn.status === 'ready') await this.conn.quit().catch(() => this.conn.disconnect());
    else this.conn.disconnect();
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      if (this.conn.status === 'wait') {
        this.connecting ??= this.conn.connect().finally(() => {
          this.connecting = undefined;
        });
      }
      if (this.connecting) await this.connecting;
      return await op();
    } catch (error) {
      throw new Error(`metrics store: ${describeRedisError(error as Error, this.display)}`);
    }
  }
}
