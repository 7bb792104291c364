import type { NewAuditEntry } from '../../domain/audit';
import type { BusStatus } from '../../domain/busStatus';
import type { DeckEvent } from '../../domain/event';
import type {
  JobFilter,
  JobLogLine,
  JobSpec,
  JobStatus,
  JobView,
  Requester,
  WorkerPresence,
} from '../../domain/job';

/** The worker layer as the console uses it (the bus of services/bus satisfies it). */
export interface DeckBus {
  transport: 'redis' | 'memory';
  /** Where it points, for people (no password). */
  target: string;
  /** Who this console acts for: stamped on every job it enqueues. */
  requester: Requester;
  queue: {
    enqueue(spec: JobSpec): Promise<string>;
    cancel(id: string, by?: Requester): Promise<void>;
    retry(id: string, by?: Requester): Promise<void>;
    /** Wake a paused parent job (a batch between waves) now. */
    resume(id: string, by?: Requester): Promise<void>;
    /** Decide on an `approval_pending` job (absent in test doubles that hold none). */
    approve?(id: string, by?: Requester): Promise<void>;
    reject?(id: string, by: Requester | undefined, reason: string): Promise<void>;
    list(filter?: JobFilter): Promise<JobView[]>;
    /** One job with all the queue knows of it (its attempts); optional for test doubles. */
    get?(id: string): Promise<JobView | undefined>;
    /** Every job the queue holds, by status (the list above is only the newest). */
    counts(): Promise<Record<JobStatus, number>>;
    logs(id: string, opts?: { tail?: number }): Promise<JobLogLine[]>;
  };
  events: {
    subscribe(
      fromId: string | 'live',
      onEvent: (event: DeckEvent) => void,
      opts?: { onNotice?: (notice: { kind: string; message: string }) => void },
    ): () => void;
  };
  state: {
    get(): BusStatus;
    subscribe(listener: (status: BusStatus) => void): () => void;
  };
  workers(): Promise<WorkerPresence[]>;
  /** Records a person's change that is not a job (a schedule enabled); absent in test doubles without a trail. */
  audit?: { append(entry: NewAuditEntry): unknown };
}
