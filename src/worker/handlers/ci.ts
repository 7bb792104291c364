import { readOnlyRefusal } from '../../domain/cloudJobs';
import { jobKindByName } from '../../domain/jobKinds';
import type { CiResult } from '../../domain/jobKinds/ci';
import { CiError } from '../../domain/pipelineClient';
import type { RemoteClientLookup, RemoteRepo } from '../../domain/remoteRepo';
import type { Handler } from '../../services/bus/contracts';
import { openRemoteClient } from '../../services/pipelines/remoteClients';

export interface CiHandlerDeps {
  /** The worker runs read-only: every `ci` job is refused. */
  readOnly?: boolean;
  /** Where tokens come from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The provider's client (tests point it at a loopback server); default: the real API with a token. */
  openClient?: (remote: RemoteRepo) => Promise<RemoteClientLookup>;
}

/**
 * The `ci` job: one change on a remote CI, with the worker's token. A refusal by the provider that would be the
 * same next time (no or a bad token, no such run or workflow, invalid inputs, a finished run) fails the job for
 * good; a rate limit or a network failure fails it with the provider's reset time in the message.
 */
export function ciHandler(deps: CiHandlerDeps = {}): Handler<'ci'> {
  return async (payload, ctx) => {
    const what = jobKindByName.ci.describe(payload);
    const readOnly = readOnlyRefusal(what, payload.readOnly, deps.readOnly);
    if (readOnly) throw readOnly;
    const remote: RemoteRepo = { provider: payload.provider, host: payload.host, path: payload.repo };
    const open = deps.openClient ?? ((r) => openRemoteClient(r, { env: deps.env ?? process.env }));
    const lookup = await open(remote);
    if (!lookup.ok) throw new CiError('auth', `${what}: ${lookup.reason}`);
    const { client } = lookup;
    ctx.progress(0, 1, what);
    const result: CiResult = {
      provider: payload.provider,
      host: payload.host,
      repo: payload.repo,
      action: payload.action,
      run: payload.run,
      message: '',
    };
    const run = { repo: payload.repo, id: payload.run ?? '' };
    if (payload.action === 'trigger') {
      const outcome = await client.trigger(payload.repo, {
        workflow: payload.workflow ?? '',
        ref: payload.ref ?? '',
        inputs: payload.inputs,
        clone: payload.clone,
      });
      result.run = outcome.run?.id;
      result.message = outcome.message;
    } else if (payload.action === 'rerun') {
      await client.rerunFailed(run);
      result.message = `${payload.repo}: failed jobs of run ${payload.run} queued again`;
    } else {
      await client.cancel(run);
      result.message = `${payload.repo}: run ${payload.run} cancelled`;
    }
    await ctx.log(`${result.message} (token from ${lookup.tokenFrom})`, 'info');
    ctx.progress(1, 1, result.message);
    return result;
  };
}
