import * as z from 'zod';

/** The `ssh-keygen -Y` namespace of a request signature: a signature made for git or for files does not pass. */
export const signatureNamespace = 'infradeck';

/**
 * How far apart the signing time and the enqueue time of a request may be. The same process signs and queues,
 * so they differ by milliseconds; the window is for the clocks of the console's host and Redis's clients.
 * A signed request copied into a new job later is older than this at its enqueue: a replay.
 */
export const signatureWindowMs = 5 * 60_000;

/**
 * A signature older than this is refused whatever its job says; the nonces of signed jobs are kept as long, so a
 * replay that also forges its enqueue time is still caught by its nonce. A week: how long finished jobs are kept.
 */
export const signatureMaxAgeMs = 7 * 24 * 3600_000;

/** What travels with a signed job: who signed (the requester's user), when, a one-time value, and the SSHSIG. */
export const requestSignatureSchema = z
  .object({
    principal: z.string().min(1).max(200),
    /** Epoch ms when the requester signed. */
    at: z.number().int().positive(),
    /** Random, once per request: a second job with the same nonce is a replay. */
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a nonce (16 to 64 base64url characters)'),
    /** `-----BEGIN SSH SIGNATURE-----` … as `ssh-keygen -Y sign` writes it. */
    sig: z.string().min(1).max(16_384),
  })
  .strict();
export type RequestSignature = z.infer<typeof requestSignatureSchema>;

/** The parts of a job a signature covers. Timeouts and attempts are not: they change how long, not what runs. */
export interface SignedRequest {
  kind: string;
  payload: unknown;
  requestedBy: unknown;
  idempotencyKey?: string;
  at: number;
  nonce: string;
}

/**
 * The bytes that are signed: JSON with its object keys sorted at every level, so the requester and a worker
 * (which reads the job back from Redis or memory) serialise the same spec to the same text.
 */
export function signedMessage(request: SignedRequest): string {
  return canonicalJson({
    v: 1,
    ns: signatureNamespace,
    kind: request.kind,
    payload: request.payload,
    requestedBy: request.requestedBy,
    idempotencyKey: request.idempotencyKey ?? null,
    at: request.at,
    nonce: request.nonce,
  });
}

/** `JSON.stringify` with sorted keys; `undefined` members are left out, as JSON (and so Redis) leaves them. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** Refusals by the signature check start with this, so a CLI can tell them (exit 2) from other refusals. */
export const signatureRefusalPrefix = 'refused: request signature:';

export function isSignatureRefusal(message: string | undefined): boolean {
  return message?.startsWith(signatureRefusalPrefix) === true;
}

/**
 * What a worker knows of a claimed job to check its signature. `derived`: made by a worker or a scheduler
 * (a parent's child, a schedule's tick), not by a person, so it carries no signature of its own: a child is
 * checked through its parent (`parentId`), which must make it under its `childKey`.
 */
export interface RequestFacts {
  signature?: unknown;
  /** When the job was queued (epoch ms). */
  createdAt: number;
  idempotencyKey?: string;
  derived?: 'child' | 'schedule';
  parentId?: string;
  childKey?: string;
  /** A schedule's tick: the schedule's name. */
  scheduleName?: string;
}

/** The facts of a stored job (a view, or what a transport read back), for the worker's signature check. */
export function requestFacts(job: {
  signature?: unknown;
  createdAt: number;
  idempotencyKey?: string;
  parentId?: string;
  childKey?: string;
  schedule?: unknown;
}): RequestFacts {
  const derived = job.parentId || job.childKey ? 'child' : job.schedule ? 'schedule' : undefined;
  return {
    createdAt: job.createdAt,
    ...(job.signature !== undefined ? { signature: job.signature } : {}),
    ...(job.idempotencyKey ? { idempotencyKey: job.idempotencyKey } : {}),
    ...(derived ? { derived } : {}),
    ...(job.parentId ? { parentId: job.parentId } : {}),
    ...(job.childKey ? { childKey: job.childKey } : {}),
    ...(derived === 'schedule' && typeof (job.schedule as { name?: unknown }).name === 'string'
      ? { scheduleName: (job.schedule as { name: string }).name }
      : {}),
  };
}
