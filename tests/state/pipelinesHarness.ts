import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/domain/config';
import {
  type ApiQuota,
  CiError,
  type JobLog,
  type PipelineClient,
  type PipelineJob,
  type PipelineRun,
} from '../../src/domain/pipelineClient';
import type { RemoteRepo } from '../../src/domain/remoteRepo';
import { type DeckPipelinesOptions, deckPipelinesFor } from '../../src/services/pipelines/deckPipelines';

/**
 * A workspace folder with a repos.yaml listing git clones whose `origin` is the given URL (none: no remote), and
 * `local` pipelines of one `echo hi` step each, `pipelines/NAME.yaml`.
 */
export function pipelineWorkspace(
  repos: { name: string; origin?: string }[],
  local: readonly string[] = [],
): {
  dir: string;
  clone(name: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-pipetab-'));
  const lines = ['repos:'];
  for (const repo of repos) {
    const clone = join(dir, 'clones', repo.name);
    mkdirSync(clone, { recursive: true });
    execFileSync('git', ['init', '-q', clone]);
    if (repo.origin) execFileSync('git', ['-C', clone, 'remote', 'add', 'origin', repo.origin]);
    lines.push(`  - name: ${repo.name}`, `    path: clones/${repo.name}`);
  }
  writeFileSync(join(dir, 'repos.yaml'), `${lines.join('\n')}\n`);
  if (local.length) mkdirSync(join(dir, 'pipelines'));
  for (const name of local)
    writeFileSync(
      join(dir, 'pipelines', `${name}.yaml`),
      `name: ${name}\nsteps:\n  - name: hello\n    run: [echo, hi]\n`,
    );
  return {
    dir,
    clone: (name) => join(dir, 'clones', name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A provider that answers from memory and counts what it was asked: what the tab does to a real one. */
export class FakeCi implements PipelineClient {
  readonly source: 'github' | 'gitlab';
  runs: PipelineRun[] = [];
  jobs: PipelineJob[] = [];
  log: JobLog = { lines: [], complete: true };
  /** Set: every read fails so (an expired token, a network failure). */
  failure?: CiError;
  lastQuota?: ApiQuota;
  readonly calls: string[] = [];

  constructor(source: 'github' | 'gitlab' = 'github') {
    this.source = source;
  }

  count(what: string): number {
    return this.calls.filter((c) => c.startsWith(what)).length;
  }

  private ask(what: string) {
    this.calls.push(what);
    if (this.failure) throw this.failure;
  }

  async listRuns(repo: string) {
    this.ask(`listRuns ${repo}`);
    return this.runs.filter((r) => r.repo === repo);
  }
  async workflows() {
    return [];
  }
  async runJobs(run: { id: string }) {
    this.ask(`runJobs ${run.id}`);
    return this.jobs.filter((j) => j.runId === run.id);
  }
  async jobLog(job: { id: string }) {
    this.ask(`jobLog ${job.id}`);
    return this.log;
  }
  async trigger(): Promise<never> {
    throw new CiError('invalid', 'the console never triggers directly: a ci job does');
  }
  async rerunFailed(): Promise<never> {
    throw new CiError('invalid', 'the console never re-runs directly: a ci job does');
  }
  async cancel(): Promise<never> {
    throw new CiError('invalid', 'the console never cancels directly: a ci job does');
  }
  quota() {
    return this.lastQuota;
  }
}

/** The console's pipelines service over a workspace, every remote host answered by `client`. */
export function fakePipelines(
  dir: string,
  clients: Partial<Record<'github' | 'gitlab', PipelineClient>>,
  opts: Partial<DeckPipelinesOptions> = {},
) {
  return deckPipelinesFor({
    dataDir: dir,
    config: configSchema.parse({}),
    env: {},
    tableMs: 0,
    opener: async (remote: RemoteRepo) => {
      const client = clients[remote.provider];
      return client
        ? { ok: true, client, tokenFrom: 'GITHUB_TOKEN' }
        : {
            ok: false,
            reason: `no ${remote.provider === 'github' ? 'GitHub' : 'GitLab'} token found: set it`,
          };
    },
    ...opts,
  });
}

export const T0 = Date.parse('2026-12-06T12:00:00Z');

export function ghRun(id: number, over: Partial<PipelineRun> = {}): PipelineRun {
  return {
    source: 'github',
    repo: 'acme/web',
    id: String(id),
    workflow: 'CI',
    workflowFile: 'ci.yml',
    branch: 'main',
    commit: `${id}`.padStart(40, 'a'),
    event: 'push',
    status: 'passed',
    who: 'octocat',
    startedAt: T0 - 3_600_000 + id * 60_000,
    durationMs: 60_000 + id,
    url: `https://github.com/acme/web/actions/runs/${id}`,
    attempt: 1,
    ...over,
  };
}
