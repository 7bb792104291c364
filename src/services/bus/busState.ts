import type { BusState, BusStateObservable, BusStatus, Unsubscribe } from './contracts';

/** The bus state with its listeners; the transport calls `set`, everyone else reads and subscribes. */
export class BusStateCell implements BusStateObservable {
  private status: BusStatus;
  private readonly listeners = new Set<(status: BusStatus) => void>();

  constructor(initial: BusState, detail?: string) {
    this.status = { state: initial, since: Date.now(), ...(detail ? { detail } : {}) };
  }

  get(): BusStatus {
    return this.status;
  }

  set(state: BusState, detail?: string): void {
    if (state === this.status.state && detail === this.status.detail) return;
    const since = state === this.status.state ? this.status.since : Date.now();
    this.status = { state, since, ...(detail ? { detail } : {}) };
    for (const listener of [...this.listeners]) {
      try {
        listener(this.status);
      } catch {
        // a listener's bug must not stop the transport from reporting its state
      }
    }
  }

  subscribe(listener: (status: BusStatus) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.status.state === 'connected') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(false);
      }, timeoutMs);
      const off = this.subscribe((s) => {
        if (s.state !== 'connected') return;
        clearTimeout(timer);
        off();
        resolve(true);
      });
    });
  }
}
