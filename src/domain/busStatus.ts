/** Whether the worker layer answers: what the status bar shows and what the console waits for. */
export type BusState = 'connected' | 'reconnecting' | 'down';

export interface BusStatus {
  state: BusState;
  /** Epoch ms of the last change. */
  since: number;
  /** For people: `connect ECONNREFUSED 127.0.0.1:6379`, `Redis restarted: …`. */
  detail?: string;
}
