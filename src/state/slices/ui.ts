import type { Slice, ToastLevel } from '../slice';

export type { ToastLevel };
export interface Toast {
  id: number;
  level: ToastLevel;
  text: string;
  at: number;
}

export type Overlay = 'help' | 'palette' | 'filter' | 'confirm' | 'form' | null;

/** A small form in an overlay (`:login`): one line per field; `onSubmit` returns a problem to show, or nothing. */
export interface FormRequest {
  title: string;
  /** Shown under the title: what happens to what is typed. */
  note: string;
  fields: { label: string; secret?: boolean; optional?: boolean; initial?: string }[];
  onSubmit: (values: string[]) => Promise<string | undefined>;
}

/** A question the user must answer before something changes (`y` / `n`, or a typed word). */
export interface Confirmation {
  title: string;
  /** What will happen, one line each. */
  lines: string[];
  /** The user must type this exactly (the number of resources, the project name) and press Enter. */
  typed?: string;
  /** An extra choice, off until the user turns it on with its key (`e`: also delete the buckets' objects). */
  toggle?: { key: string; label: string };
  onYes: (answer: { toggle: boolean }) => void;
}

export interface UiState {
  tab: string;
  overlay: Overlay;
  /** `/` filter text per screen id. */
  filters: Record<string, string>;
  toasts: Toast[];
  lastError?: { text: string; at: number };
  confirm?: Confirmation;
  form?: FormRequest;
  /** Another program (ssh, $EDITOR) has the terminal: the console draws nothing until it is back. */
  suspended: boolean;
  quitting: boolean;
}

export interface UiActions {
  showTab(id: string): void;
  /** Asks before doing something that changes the world; `onYes` runs only on `y`. */
  confirm(confirmation: Confirmation): void;
  answerConfirm(yes: boolean, answer?: { toggle: boolean }): void;
  openForm(form: FormRequest): void;
  closeForm(): void;
  openOverlay(overlay: Overlay): void;
  closeOverlay(): void;
  setFilter(screen: string, text: string): void;
  notify(level: ToastLevel, text: string): void;
  dismissToasts(olderThanMs: number, now?: number): void;
  quit(): void;
  setSuspended(suspended: boolean): void;
}

/** The shell's own state: tab, overlays, filters, toasts. Start-up problems are the first toasts. */
export const uiSlice: Slice<'ui', UiState, UiActions> = {
  name: 'ui',
  initial: ({ init, now }) => {
    const startupErrors = init.startupErrors ?? [];
    return {
      tab: init.tab,
      overlay: null,
      filters: {},
      toasts: startupErrors.map((text, i) => ({ id: i + 1, level: 'error' as const, text, at: now() })),
      lastError: startupErrors.length
        ? { text: startupErrors[startupErrors.length - 1], at: now() }
        : undefined,
      suspended: false,
      quitting: false,
    };
  },
  actions: ({ get, patch, now, init }) => {
    let toastSeq = init.startupErrors?.length ?? 0;
    const notify = (level: ToastLevel, text: string) => {
      const at = now();
      const ui = get().ui;
      patch({
        toasts: [...ui.toasts.slice(-4), { id: ++toastSeq, level, text, at }],
        lastError: level === 'error' ? { text, at } : ui.lastError,
      });
    };
    return {
      showTab: (id) => patch({ tab: id, overlay: null }),
      confirm: (confirmation) => patch({ confirm: confirmation, overlay: 'confirm' }),
      openForm: (form) => patch({ form, overlay: 'form' }),
      closeForm: () => patch({ form: undefined, overlay: null }),
      answerConfirm: (yes, answer = { toggle: false }) => {
        const pending = get().ui.confirm;
        patch({ confirm: undefined, overlay: null });
        if (yes) pending?.onYes(answer);
      },
      openOverlay: (overlay) => patch({ overlay }),
      closeOverlay: () => patch({ overlay: null }),
      setFilter: (screen, text) => patch({ filters: { ...get().ui.filters, [screen]: text } }),
      notify,
      dismissToasts: (olderThanMs, at = now()) => {
        const toasts = get().ui.toasts;
        const kept = toasts.filter((t) => at - t.at < olderThanMs);
        if (kept.length !== toasts.length) patch({ toasts: kept });
      },
      quit: () => patch({ quitting: true }),
      setSuspended: (suspended) => patch({ suspended }),
    };
  },
};
