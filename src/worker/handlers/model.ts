import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readOnlyRefusal } from '../../domain/cloudJobs';
import { jobKindByName } from '../../domain/jobKinds';
import type { ModelPayload, ModelResult } from '../../domain/jobKinds/model';
import { readS3Uri, transitionsText } from '../../domain/model';
import { JobRefused } from '../../domain/refusal';
import { promoteVersion, registerVersion } from '../../services/ai/registry';
import type { Handler, JobContext } from '../../services/bus/contracts';
import type { CloudProvider } from '../../services/cloud/cloudProvider';
import { allowConcurrentCalls } from './cloudJobContext';

export interface ModelHandlerDeps {
  readOnly?: boolean;
  /** The workspace whose `ai/models/` is the registry. */
  dataDir?: string;
  /** The cloud an `s3://` artifact is looked for in (the worker's: the DEMO cloud in DEMO mode). */
  cloud: () => Promise<CloudProvider>;
}

/**
 * The `model` job: one change to the registry. Read-only refuses it (the payload's flag or the worker's). A
 * `register` checks its artifact first: an `s3://` object through the cloud provider (HeadObject), a `file://`
 * path on this worker; other schemes are recorded as given and the log says they were not checked. A refusal
 * (no such model, version or object, a stage change the registry does not make) changes nothing and is final.
 */
export function modelHandler(deps: ModelHandlerDeps): Handler<'model'> {
  return async (payload, ctx) => {
    const what = jobKindByName.model.describe(payload);
    const readOnly = readOnlyRefusal(what, payload.readOnly, deps.readOnly);
    if (readOnly) throw readOnly;
    if (!deps.dataDir)
      throw new JobRefused('this worker has no workspace folder (--data): the registry is in it');
    ctx.progress(0, 2, what);
    let artifactCheck: string | undefined;
    if (payload.action === 'register') artifactCheck = await checkArtifact(payload, deps, ctx);
    ctx.progress(1, 2, what);
    const change =
      payload.action === 'register'
        ? await registerVersion(deps.dataDir, payload.model, {
            run: payload.run,
            ...(payload.experiment ? { experiment: payload.experiment } : {}),
            params: payload.params,
            metrics: payload.metrics,
            artifact: payload.artifact,
            registeredAt: new Date().toISOString(),
            registeredBy: `${ctx.requestedBy.user}@${ctx.requestedBy.host}`,
          })
        : await promoteVersion(deps.dataDir, payload.model, payload.version, payload.stage);
    if (!change.ok) throw new JobRefused(`${what}: ${change.message}`);
    const message =
      payload.action === 'register'
        ? `${payload.model} v${change.version} registered from run ${payload.run} (staging)`
        : `${payload.model}: ${transitionsText(change.transitions)}`;
    await ctx.log(`${message} in ${change.file}`, 'info');
    ctx.progress(2, 2, message);
    const result: ModelResult = {
      model: payload.model,
      file: change.file,
      version: change.version,
      transitions: change.transitions,
      ...(artifactCheck ? { artifactCheck } : {}),
      message,
    };
    return result;
  };
}

async function checkArtifact(
  payload: Extract<ModelPayload, { action: 'register' }>,
  deps: ModelHandlerDeps,
  ctx: JobContext,
): Promise<string> {
  const uri = payload.artifact;
  const refuse = (why: string) =>
    new JobRefused(`${uri}: ${why}; nothing was registered (give another one with --artifact URI)`);
  if (uri.startsWith('s3://')) {
    const s3 = readS3Uri(uri);
    if (!s3) throw refuse('not an S3 object URI (s3://BUCKET/KEY)');
    allowConcurrentCalls(ctx);
    const cloud = await deps.cloud();
    const where = cloud.kind === 'demo' ? 'the DEMO cloud' : 'this AWS account';
    if (await cloud.objectExists(s3.bucket, s3.key, ctx.signal)) {
      await ctx.log(`artifact ${uri} found in ${where}`, 'info');
      return `s3 object found in ${where}`;
    }
    const bucket = await cloud.findBucket(s3.bucket, ctx.signal);
    throw refuse(
      bucket
        ? `no object "${s3.key}" in bucket ${s3.bucket} (${where})`
        : `no bucket ${s3.bucket} in ${where}`,
    );
  }
  if (uri.startsWith('file://')) {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      throw refuse('not a file URI (file:///absolute/path)');
    }
    const found = await stat(path).then(
      () => true,
      () => false,
    );
    if (!found) throw refuse(`no such file on the worker that checked it (${hostname()})`);
    await ctx.log(`artifact ${uri} found on this worker`, 'info');
    return 'file found on the worker';
  }
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1] ?? 'no scheme';
  await ctx.log(`artifact ${uri} recorded as given: ${scheme} artifacts are not checked`, 'info');
  return `not checked (${scheme})`;
}
