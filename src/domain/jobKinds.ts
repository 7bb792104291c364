import type * as z from 'zod';
import { batchJob, batchTargetJob } from './jobKinds/batch';
import { ciJob } from './jobKinds/ci';
import { commandJob } from './jobKinds/command';
import { deployJob } from './jobKinds/deploy';
import { destroyJob } from './jobKinds/destroy';
import { experimentRunJob } from './jobKinds/experimentRun';
import { instancesJob } from './jobKinds/instances';
import type { CarriedType, EventDeclaration } from './jobKinds/jobKindDeclaration';
import { modelJob } from './jobKinds/model';
import { pipelineJob, pipelineStepJob } from './jobKinds/pipeline';
import { powerJob } from './jobKinds/power';
import { scanJob } from './jobKinds/scan';
import { terminateJob } from './jobKinds/terminate';

/**
 * Every job kind this version knows. To add one: declare it in `jobKinds/<kind>.ts`, add it here, and give it
 * a handler in `worker/jobHandlers.ts` (the compiler asks for it). Everything else is derived from this list.
 */
export const jobKindDeclarations = [
  commandJob,
  scanJob,
  terminateJob,
  powerJob,
  instancesJob,
  deployJob,
  destroyJob,
  batchJob,
  batchTargetJob,
  ciJob,
  pipelineJob,
  pipelineStepJob,
  experimentRunJob,
  modelJob,
] as const;

type Declared = (typeof jobKindDeclarations)[number];

export type JobKind = Declared['kind'];
export type DeclarationOf<K extends JobKind> = Extract<Declared, { kind: K }>;

/** Payload of each kind as a handler receives it (defaults applied). */
export type Payloads = { [K in JobKind]: z.output<DeclarationOf<K>['payload']> };
/** Payload of each kind as a caller may write it (defaulted fields optional). */
export type PayloadInputs = { [K in JobKind]: z.input<DeclarationOf<K>['payload']> };
/** What a handler of each kind returns (stored as the job's result). */
export type JobResults = { [K in JobKind]: CarriedType<DeclarationOf<K>['result']> };

/** `data` of the events the job kinds emit, by event type. */
export type JobKindEventData = {
  [E in Declared['events'][number] as E['type']]: E extends EventDeclaration<string, infer D> ? D : never;
};

export const jobKindByName = Object.fromEntries(jobKindDeclarations.map((d) => [d.kind, d])) as {
  [K in JobKind]: DeclarationOf<K>;
};
