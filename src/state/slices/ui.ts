import { maskSecrets } from '../../domain/secretMask';
import { type LineHistory, lineHistory } from '../../ui/lineHistory';
import type { Slice, ToastLevel } from '../slice';

export type { ToastLevel };
export interface Toast {
  id: number;
  level: ToastLevel;
  text: string;
  at: number;
}

export type Overlay = 'help' | 'palette' | 'filter' | 'confirm' | 'form' | 'messages' | null;

/** How many warnings and errors `:messages` keeps: the oldest go first. */
export const messageLimit = 500;
/** A warning or error with the same text within this long of the last is the same one: one line of `:messages`. */
const sameProblemMs = 2_000;

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
  /** Per screen id, what is open over its list, innermost last (`details:eu-west-1/i-0abc`): Esc closes the last. */
  views: Record<string, readonly string[]>;
  /**
   * What is open on `tab` was opened from the tab `from` (Enter on a Dashboard or Timeline row): Esc closing it
   * shows `from` again. Showing a tab any other way forgets it.
   */
  openedFrom?: { tab: string; from: string };
  toasts: Toast[];
  /** The status bar's problem: the newest error until `:messages` is opened (or the cloud slice clears its own). */
  lastError?: { text: string; at: number };
  /** Every warning and error of the session (start-up problems first), oldest first: the `:messages` view. */
  messages: Toast[];
  /** How many of `messages` came after `:messages` was last open. */
  unreadMessages: number;
  confirm?: Confirmation;
  form?: FormRequest;
  /** Another program (ssh, $EDITOR) has the terminal: the console draws nothing until it is back. */
  suspended: boolean;
  quitting: boolean;
}

export interface UiActions {
  showTab(id: string): void;
  /** Shows tab `id` to open something there: Esc closing it (`backFrom`) comes back to the tab shown now. */
  openOnTab(id: string): void;
  /** What was opened on `tab` from another tab is closed: that tab is shown again, if it was opened so. */
  backFrom(tab: string): void;
  /** Asks before doing something that changes the world; `onYes` runs only on `y`. */
  confirm(confirmation: Confirmation): void;
  answerConfirm(yes: boolean, answer?: { toggle: boolean }): void;
  openForm(form: FormRequest): void;
  closeForm(): void;
  openOverlay(overlay: Overlay): void;
  closeOverlay(): void;
  setFilter(screen: string, text: string): void;
  /** Opens a view over a screen's list, on top of those open (`fresh`: instead of them). */
  openView(screen: string, view: string, opts?: { fresh?: boolean }): void;
  /**
   * Closes the innermost view of a screen (Esc); `all`: every view, back to the list. Closing the last one of views
   * opened from another tab (`openOnTab`) goes back to that tab.
   */
  closeView(screen: string, opts?: { all?: boolean }): void;
  notify(level: ToastLevel, text: string): void;
  dismissToasts(olderThanMs: number, now?: number): void;
  quit(): void;
  setSuspended(suspended: boolean): void;
  /** What was entered at a prompt (`palette`, `filter`), this session's and, with a history service, earlier ones. */
  history(kind: string): LineHistory;
}

/** The shell's own state: tab, overlays, filters, toasts. Start-up problems are the first toasts. */
export const uiSlice: Slice<'ui', UiState, UiActions> = {
  name: 'ui',
  initial: ({ init, now }) => {
    const startupErrors = (init.startupErrors ?? []).map((text) => maskSecrets(text));
    return {
      tab: init.tab,
      overlay: null,
      filters: {},
      views: {},
      toasts: startupErrors.map((text, i) => ({ id: i + 1, level: 'error' as const, text, at: now() })),
      messages: startupErrors
        .slice(-messageLimit)
        .map((text, i) => ({ id: i + 1, level: 'error' as const, text, at: now() })),
      unreadMessages: Math.min(startupErrors.length, messageLimit),
      lastError: startupErrors.length
        ? { text: startupErrors[startupErrors.length - 1], at: now() }
        : undefined,
      suspended: false,
      quitting: false,
    };
  },
  actions: ({ get, patch, now, init, services }) => {
    let toastSeq = init.startupErrors?.length ?? 0;
    const histories = new Map<string, LineHistory>();
    // Every toast and `:messages` line passes here: an error quoting a URL with its password or a token shows masked.
    const notify = (level: ToastLevel, raw: string) => {
      const text = maskSecrets(raw);
      const at = now();
      const ui = get().ui;
      // The same problem told again at once (repos.yaml is read by the Repositories and the Pipelines tabs, a key
      // pressed twice) is one line of `:messages`; the toast still shows, the answer to what was just done.
      const told = ui.messages.findLast((m) => m.level === level && m.text === text);
      const again = told !== undefined && at - told.at < sameProblemMs;
      patch({
        toasts: [...ui.toasts.slice(-4), { id: ++toastSeq, level, text, at }],
        lastError: level === 'error' ? { text, at } : ui.lastError,
        ...(level === 'info' || again
          ? {}
          : {
              messages: [...ui.messages.slice(1 - messageLimit), { id: toastSeq, level, text, at }],
              unreadMessages: Math.min(ui.unreadMessages + 1, messageLimit),
            }),
      });
    };
    // A tab shown (a tab key, `:jobs`, even the tab under it) leaves the assistant's view: `:ask` alone opens it
    // again.
    const showing = (tab: Pick<UiState, 'tab' | 'openedFrom'>) => {
      patch({ ...tab, overlay: null });
      get().actions.assistant.close();
    };
    const backFrom = (tab: string) => {
      const opened = get().ui.openedFrom;
      if (opened?.tab === tab) showing({ tab: opened.from, openedFrom: undefined });
    };
    return {
      showTab: (id) => showing({ tab: id, openedFrom: undefined }),
      openOnTab: (id) => {
        const from = get().ui.tab;
        showing({ tab: id, openedFrom: from === id ? undefined : { tab: id, from } });
      },
      backFrom,
      confirm: (confirmation) => patch({ confirm: confirmation, overlay: 'confirm' }),
      openForm: (form) => patch({ form, overlay: 'form' }),
      closeForm: () => patch({ form: undefined, overlay: null }),
      answerConfirm: (yes, answer = { toggle: false }) => {
        const pending = get().ui.confirm;
        patch({ confirm: undefined, overlay: null });
        if (yes) pending?.onYes(answer);
      },
      openOverlay: (overlay) =>
        patch(overlay === 'messages' ? { overlay, unreadMessages: 0, lastError: undefined } : { overlay }),
      closeOverlay: () => patch({ overlay: null }),
      setFilter: (screen, text) => patch({ filters: { ...get().ui.filters, [screen]: text } }),
      openView: (screen, view, opts = {}) => {
        const views = get().ui.views;
        patch({ views: { ...views, [screen]: [...(opts.fresh ? [] : (views[screen] ?? [])), view] } });
      },
      closeView: (screen, opts = {}) => {
        const views = get().ui.views;
        if (!views[screen]?.length) return;
        const left = opts.all ? [] : views[screen].slice(0, -1);
        patch({ views: { ...views, [screen]: left } });
        if (left.length === 0 && !opts.all) backFrom(screen);
      },
      notify,
      dismissToasts: (olderThanMs, at = now()) => {
        const toasts = get().ui.toasts;
        const kept = toasts.filter((t) => at - t.at < olderThanMs);
        if (kept.length !== toasts.length) patch({ toasts: kept });
      },
      quit: () => patch({ quitting: true }),
      history: (kind) => {
        let history = histories.get(kind);
        if (!history) {
          const kept = services.history;
          history = lineHistory(kept?.load(kind) ?? [], kept ? (lines) => kept.save(kind, lines) : undefined);
          histories.set(kind, history);
        }
        return history;
      },
      setSuspended: (suspended) => patch({ suspended }),
    };
  },
};
