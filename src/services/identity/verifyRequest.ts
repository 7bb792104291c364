import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessState } from '../../domain/access';
import { childMismatch, type ParentMakes, parentMakes, sameJob } from '../../domain/childMismatch';
import type { Requester } from '../../domain/job';
import { scheduleOfRequester } from '../../domain/scheduleRequester';
import {
  type RequestFacts,
  type RequestSignature,
  requestSignatureSchema,
  signatureMaxAgeMs,
  signatureNamespace,
  signatureRefusalPrefix,
  signatureWindowMs,
  signedMessage,
} from '../../domain/signature';
import { enforcedAccess } from '../access/accessPolicy';
import { allowingSigner, readAllowedSigners } from './allowedSigners';
import { fingerprint } from './sshKeys';
import { verifySshsig } from './sshsig';
import { allowedSignersFile, type WorkspaceIdentity, workspaceIdentity } from './workspaceIdentity';

export interface SignaturePolicy {
  /** Unsigned requests are refused. A signature that is there is checked either way. */
  requireSignatures: boolean;
  allowedSigners: string;
  windowMs: number;
}

/**
 * The one place workers read the signature policy from: the config file's `access.requireSignatures` and the
 * workspace's `allowed_signers`. (Should `access.yaml` take the setting over, this is what changes.)
 */
export function signaturePolicy(
  identity: WorkspaceIdentity = workspaceIdentity(),
  access: AccessState = enforcedAccess(),
): SignaturePolicy {
  return {
    // Either place may ask for it: the team's access.yaml (reviewed in git) or this host's config file.
    requireSignatures:
      identity.access.requireSignatures || (access.kind === 'policy' && access.policy.requireSignatures),
    allowedSigners: allowedSignersFile(identity),
    windowMs: signatureWindowMs,
  };
}

/**
 * The nonces of signed jobs already run, shared by every worker of a bus: `claim` records `jobId` as the holder
 * of `nonce` unless another job holds it, and returns the holder.
 */
export interface NonceStore {
  claim(nonce: string, jobId: string, ttlMs: number): Promise<string>;
}

/** For the memory transport, whose jobs are all in this process. */
export function memoryNonceStore(): NonceStore {
  const held = new Map<string, { jobId: string; until: number }>();
  return {
    async claim(nonce, jobId, ttlMs) {
      const now = Date.now();
      if (held.size > 10_000) for (const [k, v] of held) if (v.until < now) held.delete(k);
      const found = held.get(nonce);
      if (found && found.until >= now) return found.jobId;
      held.set(nonce, { jobId, until: now + ttlMs });
      return jobId;
    },
  };
}

const processNonces = memoryNonceStore();

/** What `verifyRequest` reads of a claimed job (`ClaimedJob` has it all), and of its parent. */
export interface VerifiableJob {
  id: string;
  kind: string;
  payload: unknown;
  requestedBy: Requester;
  request?: RequestFacts;
}

/** A stored job's request by its id (a child's parent), or undefined when there is no such job. */
export type RequestLookup = (jobId: string) => Promise<VerifiableJob | undefined>;

/** The job a schedule of this process's `schedules.yaml` makes, by the schedule's name. */
export type ScheduleLookup = (name: string) => Promise<{ kind: string; payload: unknown } | undefined>;

/** What the worker can read besides the job: other stored jobs (a child's parent), its own schedules. */
export interface RequestLookups {
  jobs?: RequestLookup;
  schedules?: ScheduleLookup;
  /** The worker's verdicts on parents, kept for their next children. */
  parents?: ParentVerdicts;
}

/** What a parent's children share in their checks: the parent, the jobs it makes, why its own request fails. */
interface ParentVerdict {
  parent?: VerifiableJob;
  makes?: ParentMakes;
  problem?: string;
}

/**
 * A worker's verdicts on parents, by id, each kept a minute: the 5,000 targets of a batch read, parse and check their
 * parent (and split its targets into waves) once, not once each.
 */
export type ParentVerdicts = Map<string, { at: number; verdict: Promise<ParentVerdict> }>;

const parentVerdictMs = 60_000;
const parentVerdictsKept = 64;

/** How many parents above a child are checked: a run of a batch of pipelines is three deep. */
const maxParents = 8;

interface Verification {
  nonces: NonceStore;
  policy: SignaturePolicy;
  now: number;
  lookups: RequestLookups;
}

/**
 * Why this job must not run, as its error (`refused: request signature: …`), or undefined when it may. Checked by
 * the worker before the handler, on every attempt (a retry keeps its signature and its nonce).
 * - no signature: refused only with `requireSignatures`;
 * - the signature must verify over the stored spec, by a key `allowed_signers` gives the requester's user;
 * - signed within `windowMs` of the enqueue, so a signed request copied into a new job later is refused;
 * - its nonce held by no other job (kept a week), so a copy that also forges its enqueue time is refused too.
 * A parent's child carries no signature of its own: with `requireSignatures` it runs only when it has a parent
 * (read through `jobs`) that makes it (its kind's `childrenOf`) and whose own request passes these checks, its nonce
 * held by that parent. A schedule's tick carries none either: with `requireSignatures` it runs only when it is the
 * job its schedule makes in this worker's own `schedules.yaml`, asked by that schedule (a person's run of a schedule
 * carries their signature, checked as any). Without `requireSignatures` children and ticks run unchecked.
 */
export async function verifyRequest(
  job: VerifiableJob,
  nonces: NonceStore = processNonces,
  policy: SignaturePolicy = signaturePolicy(),
  now = Date.now(),
  lookups: RequestLookups = {},
): Promise<string | undefined> {
  if (job.request?.derived && !policy.requireSignatures) return undefined;
  const why = await requestProblem(job, { nonces, policy, now, lookups }, 0);
  return why === undefined
    ? undefined
    : `${signatureRefusalPrefix} ${why} (job ${job.id}, ${describeAsker(job)})`;
}

function describeAsker(job: VerifiableJob): string {
  return `${job.kind} asked by ${job.requestedBy.user}@${job.requestedBy.host}`;
}

async function requestProblem(
  job: VerifiableJob,
  v: Verification,
  depth: number,
): Promise<string | undefined> {
  const facts = job.request;
  if (facts?.derived === 'child') return childProblem(job, facts, v, depth);
  if (facts?.derived === 'schedule' && facts.signature === undefined) return tickProblem(job, facts, v);
  if (facts?.signature === undefined) {
    return v.policy.requireSignatures
      ? 'unsigned, and this worker requires signed requests (access.requireSignatures)'
      : undefined;
  }
  const parsed = requestSignatureSchema.safeParse(facts.signature);
  if (!parsed.success) return 'the signature field is malformed';
  const sig = parsed.data;
  if (sig.principal !== job.requestedBy.user) {
    return `signed for "${sig.principal}" but asked as "${job.requestedBy.user}"`;
  }
  const message = signedMessage({
    kind: job.kind,
    payload: job.payload,
    requestedBy: job.requestedBy,
    idempotencyKey: facts.idempotencyKey,
    at: sig.at,
    nonce: sig.nonce,
  });
  const checked = await checkSignature(message, sig, v.policy.allowedSigners);
  if (!checked.ok) return checked.reason;
  const gap = Math.abs(facts.createdAt - sig.at);
  if (gap > v.policy.windowMs) {
    return (
      `signed at ${iso(sig.at)} but queued at ${iso(facts.createdAt)}: more than ${v.policy.windowMs / 60_000} min ` +
      'apart (a replayed request)'
    );
  }
  if (v.now - sig.at > signatureMaxAgeMs || sig.at - v.now > v.policy.windowMs) {
    return `signed at ${iso(sig.at)}: outside the time a signature is accepted (a replayed request)`;
  }
  // A parent claimed its nonce when it ran: a child's check finds it held by that parent.
  const holder = await v.nonces.claim(sig.nonce, job.id, signatureMaxAgeMs);
  if (holder !== job.id) return `its nonce was already used by job ${holder} (a replayed request)`;
  return undefined;
}

/** A child runs as its parent's work: the parent must be there, make this very child, and pass itself. */
async function childProblem(
  job: VerifiableJob,
  facts: RequestFacts,
  v: Verification,
  depth: number,
): Promise<string | undefined> {
  const what = facts.childKey === undefined ? 'a child job' : `child "${facts.childKey}"`;
  if (facts.parentId === undefined) return `${what} with no parent job: only a parent's run makes children`;
  if (depth >= maxParents) return `more than ${maxParents} parent jobs above it`;
  const { parent, makes, problem } = await parentVerdict(facts.parentId, v, depth);
  if (!parent || !makes) return `${what} of job ${facts.parentId}, which is not there`;
  const unmade = childMismatch(parent, makes, job, facts.childKey);
  if (unmade) return `${what} of job ${parent.id}: ${unmade}`;
  return problem === undefined
    ? undefined
    : `its parent job ${parent.id} (${describeAsker(parent)}): ${problem}`;
}

/** The parent's verdict, from the worker's kept ones while fresh. */
function parentVerdict(id: string, v: Verification, depth: number): Promise<ParentVerdict> {
  const kept = v.lookups.parents;
  const hit = kept?.get(id);
  if (hit && v.now - hit.at < parentVerdictMs) return hit.verdict;
  const verdict = (async (): Promise<ParentVerdict> => {
    const parent = await v.lookups.jobs?.(id);
    if (!parent) return {};
    return { parent, makes: parentMakes(parent), problem: await requestProblem(parent, v, depth + 1) };
  })();
  if (kept) {
    kept.delete(id);
    kept.set(id, { at: v.now, verdict });
    if (kept.size > parentVerdictsKept) kept.delete(kept.keys().next().value!);
    verdict.catch(() => kept.delete(id));
  }
  return verdict;
}

/** A tick runs as its schedule's work: the schedule's own, making the job this worker's schedules.yaml says. */
async function tickProblem(
  job: VerifiableJob,
  facts: RequestFacts,
  v: Verification,
): Promise<string | undefined> {
  const name = facts.scheduleName;
  if (name === undefined) return 'a schedule tick that names no schedule';
  if (scheduleOfRequester(job.requestedBy) !== name)
    return `unsigned, and a tick of schedule "${name}" must be asked by that schedule`;
  const made = await v.lookups.schedules?.(name);
  if (!made) return `a tick of schedule "${name}", which this worker's schedules.yaml does not have`;
  if (!sameJob(made, job))
    return `a tick of schedule "${name}" whose job is not the one this worker's schedules.yaml gives it`;
  return undefined;
}

export type SignatureCheck = { ok: true; fingerprint: string; line: string } | { ok: false; reason: string };

/**
 * Whether `sig` signs `message` with a key `allowed_signers` gives `sig.principal` for the infradeck namespace.
 * In-process for ed25519, ECDSA and RSA keys; other types (FIDO `sk-*`, certificates) through `ssh-keygen -Y verify`.
 */
export async function checkSignature(
  message: string,
  sig: RequestSignature,
  allowedSigners: string,
): Promise<SignatureCheck> {
  let signers: Awaited<ReturnType<typeof readAllowedSigners>>;
  try {
    signers = await readAllowedSigners(allowedSigners);
  } catch (error) {
    return { ok: false, reason: `${allowedSigners}: ${(error as Error).message}` };
  }
  if (!signers) return { ok: false, reason: `no ${allowedSigners}: no key is allowed to sign requests` };
  const crypto = verifySshsig(message, sig.sig, signatureNamespace);
  if (crypto.ok === 'unsupported') {
    const ref = await sshKeygenVerify(allowedSigners, sig.principal, message, sig.sig);
    return ref.ok
      ? { ok: true, fingerprint: fingerprint(crypto.publicKey), line: `${allowedSigners} (ssh-keygen)` }
      : { ok: false, reason: `${crypto.keyType} key not accepted by ssh-keygen -Y verify: ${ref.output}` };
  }
  if (!crypto.ok) return { ok: false, reason: crypto.reason };
  const allowing = allowingSigner(signers, sig.principal, signatureNamespace, crypto.publicKey, sig.at);
  if (!allowing) {
    return {
      ok: false,
      reason: `key ${crypto.fingerprint} is not in ${allowedSigners} for "${sig.principal}" (namespace ${signatureNamespace})`,
    };
  }
  return { ok: true, fingerprint: crypto.fingerprint, line: `${allowedSigners}:${allowing.line}` };
}

/**
 * The reference: `ssh-keygen -Y verify -f allowed_signers -I principal -n infradeck -s SIG` on the message.
 * ~20 ms a call: used for key types not verified in-process, by `whoami`, and by the tests that hold the
 * in-process check to it.
 */
export async function sshKeygenVerify(
  allowedSigners: string,
  principal: string,
  message: string,
  armored: string,
): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'infradeck-sig-'));
  try {
    const sigFile = join(dir, 'request.sig');
    await writeFile(sigFile, armored);
    return await new Promise((resolve) => {
      const child = spawn(
        'ssh-keygen',
        ['-Y', 'verify', '-f', allowedSigners, '-I', principal, '-n', signatureNamespace, '-s', sigFile],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      child.on('error', (error) => resolve({ ok: false, output: `ssh-keygen: ${error.message}` }));
      child.on('close', (code) => resolve({ ok: code === 0, output: output.trim() }));
      child.stdin.end(message);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export type { RequestSignature };
