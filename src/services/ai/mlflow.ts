/**
 * An MLflow tracking server, read only, through its REST API 2.0 (mlflow.org/docs/latest/rest-api.html): the
 * experiments (`POST experiments/search`), their runs (`POST runs/search`: a read despite the verb) and the
 * registered models (`GET registered-models/search`). Nothing here writes to MLflow: infradeck's own registry is
 * the workspace's `ai/models/`.
 *
 * `MLFLOW_TRACKING_URI` names the server (`http://mlflow:5000`); `MLFLOW_TRACKING_TOKEN` is sent as a bearer
 * token, else `MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD` as basic auth, as MLflow's own clients do.
 */

export interface MlflowExperiment {
  id: string;
  name: string;
  lifecycleStage?: string;
  artifactLocation?: string;
  lastUpdateTime?: number;
}

export interface MlflowRun {
  id: string;
  name?: string;
  experimentId: string;
  status?: string;
  startTime?: number;
  endTime?: number;
  artifactUri?: string;
  /** The latest value of each metric. */
  metrics: Record<string, number>;
  params: Record<string, string>;
}

export interface MlflowModelVersion {
  version: string;
  stage?: string;
  status?: string;
  runId?: string;
  source?: string;
}

export interface MlflowRegisteredModel {
  name: string;
  description?: string;
  lastUpdatedTimestamp?: number;
  latestVersions: MlflowModelVersion[];
  /** MLflow 2.9+: aliases (`champion`) instead of stages. */
  aliases: Record<string, string>;
}

export interface MlflowListing {
  server: string;
  experiments: MlflowExperiment[];
  runs: MlflowRun[];
  registeredModels: MlflowRegisteredModel[];
  /** Set when a list was cut at `limit`. */
  truncated: string[];
}

export class MlflowError extends Error {
  override readonly name = 'MlflowError';
}

export interface MlflowClientOptions {
  trackingUri: string;
  env?: NodeJS.ProcessEnv;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Items read of each list at most (pages of 100 followed until then). */
const defaultLimit = 500;
const pageSize = 100;

/** The server of `MLFLOW_TRACKING_URI` when it is an http(s) one; a file or database store has no REST API. */
export function mlflowServerOf(env: NodeJS.ProcessEnv): { uri: string } | { error: string } | undefined {
  const raw = env.MLFLOW_TRACKING_URI?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: `MLFLOW_TRACKING_URI=${raw} is not a URL (like http://mlflow:5000)` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      error: `MLFLOW_TRACKING_URI=${raw}: only an MLflow tracking server (http:// or https://) is read, not a ${url.protocol.replace(':', '')} store`,
    };
  return { uri: raw.replace(/\/+$/, '') };
}

export class MlflowClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: MlflowClientOptions) {
    this.base = opts.trackingUri.replace(/\/+$/, '');
    const env = opts.env ?? process.env;
    this.headers = { accept: 'application/json' };
    if (env.MLFLOW_TRACKING_TOKEN) this.headers.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    else if (env.MLFLOW_TRACKING_USERNAME)
      this.headers.authorization = `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD ?? ''}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.fetch = opts.fetch ?? fetch;
  }

  /** Experiments, their runs (newest first) and the registered models, each list up to `limit`. */
  async list(limit = defaultLimit): Promise<MlflowListing> {
    const truncated: string[] = [];
    const experiments = await this.pages('experiments', limit, truncated, (token, max) =>
      this.post('experiments/search', { max_results: max, ...(token ? { page_token: token } : {}) }).then(
        (body) => ({
          items: arrayOf(body.experiments).map(experimentOf),
          next: textOf(body.next_page_token),
        }),
      ),
    );
    const ids = experiments.filter((e) => e.lifecycleStage !== 'deleted').map((e) => e.id);
    const runs =
      ids.length === 0
        ? []
        : await this.pages('runs', limit, truncated, (token, max) =>
            this.post('runs/search', {
              experiment_ids: ids,
              max_results: max,
              order_by: ['attributes.start_time DESC'],
              ...(token ? { page_token: token } : {}),
            }).then((body) => ({ items: arrayOf(body.runs).map(runOf), next: textOf(body.next_page_token) })),
          );
    const registeredModels = await this.pages('registered models', limit, truncated, (token, max) =>
      this.get('registered-models/search', {
        max_results: String(max),
        ...(token ? { page_token: token } : {}),
      }).then((body) => ({
        items: arrayOf(body.registered_models).map(modelOf),
        next: textOf(body.next_page_token),
      })),
    );
    return { server: this.base, experiments, runs, registeredModels, truncated };
  }

  private async pages<T>(
    what: string,
    limit: number,
    truncated: string[],
    page: (token: string | undefined, max: number) => Promise<{ items: T[]; next?: string }>,
  ): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const got = await page(token, Math.min(pageSize, limit - out.length));
      out.push(...got.items);
      token = got.next || undefined;
    } while (token && out.length < limit);
    if (token) truncated.push(what);
    return out.slice(0, limit);
  }

  private post(path: string, body: unknown): Promise<Record<string, unknown>> {
    return this.request(path, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private get(path: string, query: Record<string, string>): Promise<Record<string, unknown>> {
    return this.request(`${path}?${new URLSearchParams(query)}`, { method: 'GET', headers: this.headers });
  }

  private async request(path: string, init: RequestInit): Promise<Record<string, unknown>> {
    const url = `${this.base}/api/2.0/mlflow/${path}`;
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(this.opts.signal ? [this.opts.signal] : [])];
    let response: Response;
    try {
      response = await this.fetch(url, { ...init, signal: AbortSignal.any(signals) });
    } catch (error) {
      const e = error as Error;
      const why =
        e.name === 'TimeoutError'
          ? `no answer in ${this.timeoutMs / 1000}s`
          : (e.cause as Error)?.message || e.message;
      throw new MlflowError(`MLflow at ${this.base}: ${path}: ${why}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new MlflowError(
        `MLflow at ${this.base}: ${path}: HTTP ${response.status}, not JSON (${text.slice(0, 120).replace(/\s+/g, ' ')})`,
      );
    }
    if (!response.ok) {
      // MLflow's errors are `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "…"}`.
      const { error_code, message } = (body ?? {}) as { error_code?: unknown; message?: unknown };
      const auth =
        response.status === 401 || response.status === 403
          ? ' (check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)'
          : '';
      throw new MlflowError(
        `MLflow at ${this.base}: ${path}: HTTP ${response.status}${typeof error_code === 'string' ? ` ${error_code}` : ''}${typeof message === 'string' ? `: ${message}` : ''}${auth}`,
      );
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new MlflowError(`MLflow at ${this.base}: ${path}: expected a JSON object`);
    return body as Record<string, unknown>;
  }
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
    : [];
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function numberOf(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function experimentOf(e: Record<string, unknown>): MlflowExperiment {
  return {
    id: textOf(e.experiment_id) ?? '?',
    name: textOf(e.name) ?? '?',
    ...optional('lifecycleStage', textOf(e.lifecycle_stage)),
    ...optional('artifactLocation', textOf(e.artifact_location)),
    ...optional('lastUpdateTime', numberOf(e.last_update_time)),
  };
}

function runOf(r: Record<string, unknown>): MlflowRun {
  const info = (r.info ?? {}) as Record<string, unknown>;
  const data = (r.data ?? {}) as Record<string, unknown>;
  const metrics: Record<string, number> = {};
  for (const m of arrayOf(data.metrics)) {
    const key = textOf(m.key);
    const value = numberOf(m.value);
    if (key !== undefined && value !== undefined) metrics[key] = value;
  }
  const params: Record<string, string> = {};
  for (const p of arrayOf(data.params)) {
    const key = textOf(p.key);
    if (key !== undefined) params[key] = textOf(p.value) ?? '';
  }
  return {
    id: textOf(info.run_id) ?? textOf(info.run_uuid) ?? '?',
    ...optional('name', textOf(info.run_name)),
    experimentId: textOf(info.experiment_id) ?? '?',
    ...optional('status', textOf(info.status)),
    ...optional('startTime', numberOf(info.start_time)),
    ...optional('endTime', numberOf(info.end_time)),
    ...optional('artifactUri', textOf(info.artifact_uri)),
    metrics,
    params,
  };
}

function modelOf(m: Record<string, unknown>): MlflowRegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of arrayOf(m.aliases)) {
    const alias = textOf(a.alias);
    const version = textOf(a.version);
    if (alias !== undefined && version !== undefined) aliases[alias] = version;
  }
  return {
    name: textOf(m.name) ?? '?',
    ...optional('description', textOf(m.description)),
    ...optional('lastUpdatedTimestamp', numberOf(m.last_updated_timestamp)),
    latestVersions: arrayOf(m.latest_versions).map((v) => ({
      version: textOf(v.version) ?? '?',
      ...optional('stage', textOf(v.current_stage)),
      ...optional('status', textOf(v.status)),
      ...optional('runId', textOf(v.run_id)),
      ...optional('source', textOf(v.source)),
    })),
    aliases,
  };
}
