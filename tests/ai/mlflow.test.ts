import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cliArgs';
import { runHeadless } from '../../src/headless';
import { MlflowClient, mlflowServerOf } from '../../src/services/ai/mlflow';
import { Capture } from '../harness/capture';

/**
 * An MLflow tracking server at the HTTP boundary: each exchange is a request as MLflow's REST API 2.0 documents it
 * (method, path, body or query) and the answer the documentation shows for it. Anything else is a 404 with
 * MLflow's error shape, so a request the client should not make fails the test.
 */
interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  /** POST: the JSON body expected; GET: the query expected. */
  expect: Record<string, unknown>;
  status?: number;
  answer: unknown;
}

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: unknown;
}

async function startMlflow(
  exchanges: Exchange[],
): Promise<{ uri: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? '/', 'http://x');
    const body = raw ? JSON.parse(raw) : undefined;
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
      body,
    });
    const given = req.method === 'GET' ? Object.fromEntries(url.searchParams) : body;
    const match = exchanges.find(
      (e) =>
        e.method === req.method &&
        e.path === url.pathname &&
        JSON.stringify(e.expect) === JSON.stringify(given),
    );
    res.setHeader('content-type', 'application/json');
    if (!match) {
      res.statusCode = 404;
      res.end(
        JSON.stringify({
          error_code: 'ENDPOINT_NOT_FOUND',
          message: `no exchange for ${req.method} ${req.url} ${raw}`,
        }),
      );
      return;
    }
    res.statusCode = match.status ?? 200;
    res.end(JSON.stringify(match.answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const experimentsPage1: Exchange = {
  method: 'POST',
  path: '/api/2.0/mlflow/experiments/search',
  expect: { max_results: 100 },
  answer: {
    experiments: [
      {
        experiment_id: '0',
        name: 'Default',
        artifact_location: 'mlflow-artifacts:/0',
        lifecycle_stage: 'active',
        last_update_time: 1717236000000,
        creation_time: 1717236000000,
      },
      {
        experiment_id: '4',
        name: 'churn',
        artifact_location: 's3://mlflow/4',
        lifecycle_stage: 'active',
        last_update_time: 1717239600000,
        creation_time: 1717236000000,
        tags: [{ key: 'team', value: 'growth' }],
      },
    ],
    next_page_token: 'eyJvZmZzZXQiOiAyfQ==',
  },
};
const experimentsPage2: Exchange = {
  method: 'POST',
  path: '/api/2.0/mlflow/experiments/search',
  expect: { max_results: 100, page_token: 'eyJvZmZzZXQiOiAyfQ==' },
  answer: { experiments: [{ experiment_id: '5', name: 'old', lifecycle_stage: 'deleted' }] },
};
const runs: Exchange = {
  method: 'POST',
  path: '/api/2.0/mlflow/runs/search',
  expect: { experiment_ids: ['0', '4'], max_results: 100, order_by: ['attributes.start_time DESC'] },
  answer: {
    runs: [
      {
        info: {
          run_id: 'a1b2c3',
          run_name: 'bright-owl-12',
          experiment_id: '4',
          user_id: 'ada',
          status: 'FINISHED',
          start_time: 1717239000000,
          end_time: 1717239600000,
          artifact_uri: 's3://mlflow/4/a1b2c3/artifacts',
          lifecycle_stage: 'active',
        },
        data: {
          metrics: [{ key: 'auc', value: 0.91, timestamp: 1717239600000, step: 20 }],
          params: [{ key: 'lr', value: '0.01' }],
          tags: [{ key: 'mlflow.user', value: 'ada' }],
        },
        inputs: {},
      },
    ],
  },
};
const models: Exchange = {
  method: 'GET',
  path: '/api/2.0/mlflow/registered-models/search',
  expect: { max_results: '100' },
  answer: {
    registered_models: [
      {
        name: 'churn',
        creation_timestamp: 1717236000000,
        last_updated_timestamp: 1717240000000,
        description: 'who leaves',
        latest_versions: [
          {
            name: 'churn',
            version: '3',
            creation_timestamp: 1717240000000,
            current_stage: 'Production',
            source: 's3://mlflow/4/a1b2c3/artifacts/model',
            run_id: 'a1b2c3',
            status: 'READY',
          },
        ],
        aliases: [{ alias: 'champion', version: '3' }],
      },
    ],
  },
};

describe('MLflow, read only, through its REST API', () => {
  let server: Awaited<ReturnType<typeof startMlflow>> | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('lists experiments (every page), their runs and the registered models, with the token as a bearer', async () => {
    server = await startMlflow([experimentsPage1, experimentsPage2, runs, models]);
    const listing = await new MlflowClient({
      trackingUri: `${server.uri}/`,
      env: { MLFLOW_TRACKING_TOKEN: 's3cret' },
    }).list();
    expect(listing.experiments.map((e) => `${e.id} ${e.name} ${e.lifecycleStage}`)).toEqual([
      '0 Default active',
      '4 churn active',
      '5 old deleted',
    ]);
    expect(listing.runs).toEqual([
      {
        id: 'a1b2c3',
        name: 'bright-owl-12',
        experimentId: '4',
        status: 'FINISHED',
        startTime: 1717239000000,
        endTime: 1717239600000,
        artifactUri: 's3://mlflow/4/a1b2c3/artifacts',
        metrics: { auc: 0.91 },
        params: { lr: '0.01' },
      },
    ]);
    expect(listing.registeredModels).toEqual([
      {
        name: 'churn',
        description: 'who leaves',
        lastUpdatedTimestamp: 1717240000000,
        latestVersions: [
          {
            version: '3',
            stage: 'Production',
            status: 'READY',
            runId: 'a1b2c3',
            source: 's3://mlflow/4/a1b2c3/artifacts/model',
          },
        ],
        aliases: { champion: '3' },
      },
    ]);
    expect(listing.truncated).toEqual([]);
    // Read only: searches and nothing else.
    expect(server.seen.map((s) => `${s.method} ${s.url.replace(/\?.*/, '')}`)).toEqual([
      'POST /api/2.0/mlflow/experiments/search',
      'POST /api/2.0/mlflow/experiments/search',
      'POST /api/2.0/mlflow/runs/search',
      'GET /api/2.0/mlflow/registered-models/search',
    ]);
    expect(new Set(server.seen.map((s) => s.authorization))).toEqual(new Set(['Bearer s3cret']));
  });

  it('says what MLflow answered when it refuses, and when nothing answers', async () => {
    server = await startMlflow([
      {
        ...experimentsPage1,
        status: 401,
        answer: { error_code: 'UNAUTHENTICATED', message: 'You are not authenticated.' },
      },
    ]);
    const client = new MlflowClient({
      trackingUri: server.uri,
      env: { MLFLOW_TRACKING_USERNAME: 'ada', MLFLOW_TRACKING_PASSWORD: 'pw' },
    });
    await expect(client.list()).rejects.toThrow(
      `MLflow at ${server.uri}: experiments/search: HTTP 401 UNAUTHENTICATED: You are not authenticated. (check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)`,
    );
    expect(server.seen[0]?.authorization).toBe(`Basic ${Buffer.from('ada:pw').toString('base64')}`);
    const uri = server.uri;
    await server.close();
    server = undefined;
    await expect(new MlflowClient({ trackingUri: uri, env: {} }).list()).rejects.toThrow(
      new RegExp(`^MLflow at ${uri.replace(/[.]/g, '\\.')}: experiments/search: .*ECONNREFUSED`),
    );
  });

  it('reads only an http(s) tracking server', () => {
    expect(mlflowServerOf({})).toBeUndefined();
    expect(mlflowServerOf({ MLFLOW_TRACKING_URI: 'http://mlflow:5000/' })).toEqual({
      uri: 'http://mlflow:5000',
    });
    expect(mlflowServerOf({ MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' })).toEqual({
      error:
        'MLFLOW_TRACKING_URI=file:///tmp/mlruns: only an MLflow tracking server (http:// or https://) is read, not a file store',
    });
  });

  it('`infradeck ai models` lists the workspace registry and the MLflow server’s', async () => {
    server = await startMlflow([experimentsPage1, experimentsPage2, runs, models]);
    dir = await mkdtemp(join(tmpdir(), 'infradeck-mlflow-'));
    const env = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'c'),
      XDG_STATE_HOME: join(dir, 's'),
      USER: 'ada',
      MLFLOW_TRACKING_URI: server.uri,
    };
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runHeadless(parseCli(['--data', join(dir, 'data'), 'ai', 'models']), env, {
      stdout,
      stderr,
    });
    expect(code, stderr.text).toBe(0);
    expect(stdout.text).toContain('No models. Register a run');
    expect(stdout.text).toContain(`MLflow at ${server.uri} (read only)`);
    expect(stdout.text).toMatch(/bright-owl-12\s+4\s+FINISHED\s+auc=0\.91/);
    expect(stdout.text).toMatch(/churn\s+v3 Production, @champion=v3/);

    const json = new Capture();
    const jsonCode = await runHeadless(
      parseCli(['--data', join(dir, 'data'), 'ai', 'models', '--json']),
      env,
      { stdout: json, stderr },
    );
    expect(jsonCode).toBe(0);
    const parsed = JSON.parse(json.text);
    expect(parsed.models).toEqual([]);
    expect(parsed.mlflow.registeredModels[0].name).toBe('churn');
  });
});
