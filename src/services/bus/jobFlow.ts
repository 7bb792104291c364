import type { JobLogLine, JobSpec, JobView } from '../../domain/job';
import type { JobFlow, JobId, ParentFlow } from './contracts';

/** Why a parent job's handler stepped aside: until its children end, until a time, or until someone resumes it. */
export type Suspension = { kind: 'children' } | { kind: 'sleep'; until: number | 'manual' };

/**
 * Thrown by `waitForChildren` and `sleep` to leave the handler; `executeJob` turns it into a `suspended` outcome
 * and the transport parks the job. A handler that catches it by mistake and returns normally just completes.
 */
export class JobSuspended extends Error {
  constructor(readonly suspension: Suspension) {
    super(
      suspension.kind === 'children'
        ? 'waiting for its children'
        : suspension.until === 'manual'
          ? 'paused until resumed'
          : `sleeping until ${new Date(suspension.until).toISOString()}`,
    );
    this.name = 'JobSuspended';
  }
}

/** What a transport keeps for a parent job: its saved state and its children. */
export interface FlowStore {
  /** The state saved last: as read when the job was taken, then what the handler's `save`s stored. */
  state: unknown;
  save(state: unknown): Promise<void>;
  addChildren(children: { key: string; spec: JobSpec }[]): Promise<JobId[]>;
  children(): Promise<JobView[]>;
  /** The job's parent, when it has one. */
  parent?: ParentFlow;
  /** The job's output lines as kept now (`JobFlow.output`); none when the transport keeps none. */
  output?(): Promise<JobLogLine[]>;
}

/** The `JobFlow` a handler sees, over a transport's store. */
export function jobFlow(store: FlowStore): JobFlow {
  return {
    state: <T>() => (store.state === undefined ? undefined : (structuredClone(store.state) as T)),
    save: async (next) => {
      const copy = structuredClone(next);
      await store.save(copy);
      store.state = copy;
    },
    addChildren: (children) => {
      const seen = new Set<string>();
      for (const { key } of children) {
        if (seen.has(key)) return Promise.reject(new Error(`child key "${key}" is given twice`));
        seen.add(key);
      }
      return children.length === 0 ? Promise.resolve([]) : store.addChildren(children);
    },
    children: () => store.children(),
    ...(store.parent ? { parent: store.parent } : {}),
    output: async () => (store.output ? store.output() : []),
    waitForChildren: () => Promise.reject(new JobSuspended({ kind: 'children' })),
    sleep: (until) => {
      if (until !== 'manual' && !Number.isFinite(until)) {
        return Promise.reject(new Error(`sleep: ${String(until)} is not a time (epoch ms) nor 'manual'`));
      }
      return Promise.reject(new JobSuspended({ kind: 'sleep', until }));
    },
  };
}

/**
 * The flow of a handler run outside a queue (a bench, a handler's own test): `save` keeps the state for the rest of
 * the run; children need a queue, so asking for them says so.
 */
export function detachedFlow(): JobFlow {
  return jobFlow({
    state: undefined,
    save: async () => {},
    addChildren: () => Promise.reject(new Error('this job runs outside a queue: it cannot have children')),
    children: async () => [],
  });
}
