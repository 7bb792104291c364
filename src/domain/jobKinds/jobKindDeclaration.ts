import type * as z from 'zod';

/** Retry policy of a kind. A spec may ask for other attempts or another timeout. */
export interface JobPolicy {
  attempts: number;
  /** Exponential backoff: the n-th retry waits `backoffMs * 2^(n-1)`. */
  backoffMs: number;
  /** Default timeout when the spec gives none; 0 = none. */
  timeoutMs: number;
}

declare const carried: unique symbol;

/**
 * A type a declaration names but never checks at run time: a job's result and an event's data are written by
 * this version's own code, and readers of other versions' results tolerate missing fields anyway.
 */
export interface Carried<T> {
  readonly [carried]?: T;
}

export function carries<T>(): Carried<T> {
  return {};
}

export type CarriedType<C> = C extends Carried<infer T> ? T : never;

/** An event type a job kind emits, besides the `job.*` ones, with the shape of its `data`. */
export interface EventDeclaration<T extends string = string, D = unknown> {
  type: T;
  data: Carried<D>;
}

export function declareEvent<const T extends string, D>(type: T, data: Carried<D>): EventDeclaration<T, D> {
  return { type, data };
}

/**
 * A payload as a job view holds it: written by any version (or by hand), so every field may be missing or of
 * another type. Describing a job must never throw.
 */
export type LoosePayload<P> = { readonly [F in keyof P]?: unknown };

/** Everything about a job kind that is not its handler: the console, the bus and the CLI read only this. */
export interface JobKindDeclaration<
  K extends string = string,
  S extends z.ZodType = z.ZodType,
  R = unknown,
  E extends readonly EventDeclaration[] = readonly EventDeclaration[],
> {
  kind: K;
  /** Parsed at enqueue (defaults applied) and again by the worker. */
  payload: S;
  /** What the handler returns, stored as the job's result. */
  result: Carried<R>;
  policy: JobPolicy;
  /**
   * Whether a job of this kind can change something outside infradeck: read-only mode refuses it at enqueue
   * (the worker re-checks its own flag).
   */
  changes: boolean;
  /** One line for tables and the audit trail: `scan eu-west-1`, `deploy shop (d-…)`. */
  describe(payload: LoosePayload<z.output<S>>): string;
  events: E;
  /**
   * A parent kind's children: every job its run with `payload` makes, by key (its kind and payload, before the
   * child kind's defaults), all at once (a batch's 5,000 targets are split into waves once, not once a target). A
   * worker requiring signed requests runs a child only when it is one of these (`verifyRequest`). A kind without it
   * makes no children.
   */
  childrenOf?(payload: z.output<S>): Map<string, MadeChild>;
}

/** A child job as its parent's kind makes it (`JobKindDeclaration.childrenOf`). */
export interface MadeChild {
  kind: string;
  payload: unknown;
}

export function declareJobKind<
  const K extends string,
  S extends z.ZodType,
  R,
  const E extends readonly EventDeclaration[] = readonly [],
>(declaration: JobKindDeclaration<K, S, R, E>): JobKindDeclaration<K, S, R, E> {
  return declaration;
}
