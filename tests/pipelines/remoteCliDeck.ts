import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli } from '../../src/cliArgs';
import { pipelineCommand } from '../../src/commands/pipelineActions';
import type { RemoteCiIO } from '../../src/commands/pipelineRemoteTarget';
import { pipelinesCommand } from '../../src/commands/pipelinesList';
import type { RemoteClientLookup } from '../../src/domain/remoteRepo';
import { openWorkspace } from '../../src/openWorkspace';
import type { KeyringOpener } from '../../src/services/aws/credentialsStore';
import { GitHubClient } from '../../src/services/pipelines/github';
import { GitLabClient } from '../../src/services/pipelines/gitlab';
import { openRemoteClient } from '../../src/services/pipelines/remoteClients';
import { Capture } from '../harness/capture';
import { type Answer, type Received, RecordedApi } from './ciHttpServer';

export const githubToken = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
export const gitlabToken = 'glpat-Xy9aBcDeFgHiJkLmNoPq';

const noKeyring: KeyringOpener = async () => {
  throw new Error('no secret service');
};

/** `.github/workflows/deploy.yml` of the shop clone: dispatched by hand with a choice of environment. */
const deployWorkflow = [
  'name: Deploy',
  'on:',
  '  workflow_dispatch:',
  '    inputs:',
  '      environment:',
  '        type: choice',
  '        required: true',
  '        options: [staging, production]',
  '      dry_run:',
  '        type: boolean',
  '        default: false',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps: [{ run: ./deploy.sh }]',
  '',
].join('\n');

/**
 * A workspace whose Repositories tab holds four clones: `shop` (origin on GitHub, acme/shop, on branch main, with a
 * dispatchable deploy.yml), `infra` (a self-hosted GitLab, platform/infra), `notes` (no origin) and `mirror`
 * (origin on Bitbucket). The commands run as `infradeck` runs them, without Redis (their `ci` jobs run in the
 * command's process), their providers' clients pointed at a loopback server playing the providers' REST API.
 * Tokens are looked up for real in the command's environment (no `gh`, no keyring); the clients are kept per
 * host across commands, as they are within one console, so conditional requests carry the last ETag.
 */
export class RemoteCliDeck {
  readonly clients = new Map<string, RemoteClientLookup>();
  private constructor(
    readonly dir: string,
    readonly dataDir: string,
    readonly env: NodeJS.ProcessEnv,
    readonly api: RecordedApi,
  ) {}

  static async start(env: Record<string, string> = { GITHUB_TOKEN: githubToken }): Promise<RemoteCliDeck> {
    const dir = await mkdtemp(join(tmpdir(), 'infradeck-remote-cli-'));
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const clone = (name: string, origin?: string) => {
      const path = join(dir, name);
      execFileSync('git', ['init', '-q', '-b', 'main', path]);
      if (origin) execFileSync('git', ['-C', path, 'remote', 'add', 'origin', origin]);
      return path;
    };
    const shop = clone('shop', 'git@github.com:acme/shop.git');
    mkdirSync(join(shop, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(shop, '.github', 'workflows', 'deploy.yml'), deployWorkflow);
    const repos = [
      shop,
      clone('infra', 'https://gitlab.example.com/platform/infra.git'),
      clone('notes'),
      clone('mirror', 'git@bitbucket.org:acme/mirror.git'),
    ];
    writeFileSync(join(dataDir, 'repos.yaml'), `repos:\n${repos.map((p) => `  - path: ${p}\n`).join('')}`);
    mkdirSync(join(dir, 'config', 'infradeck'), { recursive: true });
    writeFileSync(
      join(dir, 'config', 'infradeck', 'config.yaml'),
      'gitlab:\n  hosts: [gitlab.example.com]\n',
    );
    const fullEnv: NodeJS.ProcessEnv = {
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_STATE_HOME: join(dir, 'state'),
      USER: 'ada',
      PATH: process.env.PATH,
      ...env,
    };
    return new RemoteCliDeck(dir, dataDir, fullEnv, await RecordedApi.start());
  }

  /** `infradeck ARGV…` (global flags included), the providers at the loopback server. */
  async infradeck(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const args = parseCli(['--data', this.dataDir, ...argv]);
    const workspace = await openWorkspace({ dataDir: args.data, env: this.env });
    const stdout = new Capture();
    const stderr = new Capture();
    const io: RemoteCiIO = {
      workspace,
      stdout,
      stderr,
      json: args.json,
      readOnly: args.readonly,
      env: this.env,
      signal: new AbortController().signal,
      ci: { openClient: (remote, opts) => this.open(remote, opts), pollMs: 5, findDispatchedMs: 5_000 },
    };
    const run = args.command === 'pipelines' ? pipelinesCommand : pipelineCommand;
    const code = await run(args.rest, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  /** Answers every matching request (up to `times`) with `answer`, which may look at a state the test changes. */
  serve(request: string, answer: Answer | ((req: Received) => Answer), times = 500): void {
    for (let i = 0; i < times; i++) this.api.on(request, answer);
  }

  /** `METHOD /path?query` of what reached the providers, in order. */
  requests(): string[] {
    return this.api.received.map((r) => `${r.method} ${r.url}`);
  }

  async close(): Promise<void> {
    await this.api.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async open(
    remote: Parameters<typeof openRemoteClient>[0],
    opts: Parameters<typeof openRemoteClient>[1],
  ): Promise<RemoteClientLookup> {
    const lookup = await openRemoteClient(remote, {
      ...opts,
      ghToken: async () => undefined,
      keyring: noKeyring,
    });
    if (!lookup.ok) return lookup;
    const key = `${remote.provider}:${remote.host}`;
    let kept = this.clients.get(key);
    if (!kept) {
      const token = remote.provider === 'github' ? githubToken : gitlabToken;
      const client =
        remote.provider === 'github'
          ? new GitHubClient({ token, tokenFrom: lookup.tokenFrom, baseUrl: this.api.url })
          : new GitLabClient({ token, tokenFrom: lookup.tokenFrom, host: remote.host, origin: this.api.url });
      kept = { ok: true, client, tokenFrom: lookup.tokenFrom };
      this.clients.set(key, kept);
    }
    return kept;
  }
}

/** A GitHub workflow run as `GET /repos/{owner}/{repo}/actions/runs` lists it (API version 2022-11-28). */
export function ghRun(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    name: 'CI',
    path: '.github/workflows/ci.yml',
    head_branch: 'main',
    head_sha: `${id}`.padStart(40, 'a'),
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    run_attempt: 1,
    actor: { login: 'octocat' },
    triggering_actor: { login: 'octocat' },
    created_at: '2026-12-06T11:00:00Z',
    run_started_at: '2026-12-06T11:00:00Z',
    updated_at: '2026-12-06T11:04:30Z',
    html_url: `https://github.com/acme/shop/actions/runs/${id}`,
    ...over,
  };
}

/** A job of a run as `GET …/actions/runs/{run_id}/jobs` lists it. */
export function ghJob(id: number, runId: number, name: string, over: Record<string, unknown> = {}) {
  return {
    id,
    run_id: runId,
    name,
    status: 'completed',
    conclusion: 'success',
    started_at: '2026-12-06T11:00:00Z',
    completed_at: '2026-12-06T11:01:00Z',
    html_url: `https://github.com/acme/shop/actions/runs/${runId}/job/${id}`,
    steps: [],
    ...over,
  };
}

/** A GitLab pipeline as `GET /projects/:id/pipelines/:pipeline_id` shows it (the list's short form is a subset). */
export function glPipeline(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    iid: id - 100,
    project_id: 7,
    sha: `${id}`.padStart(40, 'c'),
    ref: 'main',
    status: 'success',
    source: 'push',
    created_at: '2026-12-06T11:00:00.000Z',
    updated_at: '2026-12-06T11:06:00.000Z',
    started_at: '2026-12-06T11:00:10.000Z',
    finished_at: '2026-12-06T11:06:00.000Z',
    duration: 350,
    user: { id: 1, name: 'Ada Admin', username: 'ada', state: 'active' },
    web_url: `https://gitlab.example.com/platform/infra/-/pipelines/${id}`,
    ...over,
  };
}

/** A GitLab job as `GET /projects/:id/pipelines/:pipeline_id/jobs` lists it. */
export function glJob(id: number, name: string, stage: string, over: Record<string, unknown> = {}) {
  return {
    id,
    name,
    stage,
    status: 'success',
    started_at: '2026-12-06T11:00:00.000Z',
    finished_at: '2026-12-06T11:00:40.000Z',
    duration: 40,
    web_url: `https://gitlab.example.com/platform/infra/-/jobs/${id}`,
    ...over,
  };
}
