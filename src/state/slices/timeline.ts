import { type PatternShift, patternShift } from '../../domain/logPatterns';
import { comparePins, type PinComparison } from '../../domain/timelineCompare';
import { isTimelineLaneId, type TimelineEvent, timelineLaneIds } from '../../domain/timelineLanes';
import { type MetricLane, metricLaneKey } from '../../domain/timelineMetricLane';
import { addPin, pinOf, type TimelinePin } from '../../domain/timelinePins';
import { TimelineStore } from '../../domain/timelineStore';
import {
  followNow,
  liveWindow,
  panWindow,
  type TimelineWindow,
  type WindowBounds,
  windowStart,
  zoomWindow,
} from '../../domain/timelineWindow';
import type { TimelineFeedHandle } from '../services/timeline';
import { errorText, type Slice, sharedConnection } from '../slice';

/** What the keys act on: the lanes, the pin list, or one of the pickers over the lanes. */
export type TimelinePanel = 'lanes' | 'pins' | 'lanePicker' | 'aiPicker';

/** A metric of an AI run that `a` can add as a lane. */
export interface AiChoice {
  run: string;
  metric: string;
  points: number;
}

/** `C` on two pins. */
export interface TimelineCompare {
  a: TimelinePin;
  b: TimelinePin;
  result: PinComparison;
  /** How much job output is mined before the first pin and after the second. */
  shiftWindowMs: number;
  shiftLoading: boolean;
  shift?: PatternShift;
  shiftFrom?: string;
  shiftTruncated?: boolean;
  shiftError?: string;
}

export interface TimelineFeedState {
  state: 'off' | 'replaying' | 'live';
  /** Events the replay held. */
  events: number;
  from?: 'stream' | 'job history';
  error?: string;
}

export interface TimelineState {
  /**
   * Bumped by a timer (at most `timelineFps` a second) when the store took events since the last bump, or the
   * live window moved: the tab draws again when it changes. The store itself stays outside the state.
   */
  version: number;
  /** The clock at the last bump: what a live window ends at. */
  now: number;
  window: TimelineWindow;
  /** The cursor's time (`←`/`→`); undefined: none, the footer reads the window's end. */
  cursor?: number;
  /** Lanes the operator hid (the lane picker). */
  hidden: readonly string[];
  metricLanes: readonly MetricLane[];
  feed: TimelineFeedState;
  pins: readonly TimelinePin[];
  pinsError?: string;
  panel: TimelinePanel;
  pinCursor: number;
  /** Pin ids selected for `C` (at most two, in the order chosen). */
  selected: readonly string[];
  pickerCursor: number;
  ai?: { loading: boolean; choices: AiChoice[]; error?: string };
  compare?: TimelineCompare;
}

export interface TimelineActions {
  /** The buckets and kept events (mutated in place as events arrive; `version` says when to look again). */
  store(): TimelineStore;
  /** Starts the feed, the pins and the commits once; returns the release (the feed ends with the last). */
  connect(): () => void;
  /** The tab is shown or hidden: the redraw timer runs only while it is shown. */
  setShown(shown: boolean): void;
  /** `+` (-1, closer) / `-` (+1, wider), around the cursor. */
  zoom(direction: -1 | 1): void;
  /** `h`/`l` (±¼) and `H`/`L` (±1): in windows. */
  pan(windows: number): void;
  /** `0`: back to now, following it; the cursor goes. */
  follow(): void;
  /** `←`/`→`: by columns of a window drawn `cells` wide; past an edge the window pans a quarter. */
  moveCursor(columns: number, cells: number): void;
  pin(event: TimelineEvent | undefined): void;
  setPanel(panel: TimelinePanel): void;
  movePinCursor(delta: number): void;
  toggleSelected(): void;
  removePin(): void;
  /** Enter on a pin: the window moves to it and the cursor sits on it. */
  jumpToPin(): void;
  compare(): void;
  closeCompare(): void;
  movePicker(delta: number, count: number): void;
  toggleLane(lane: string): void;
  /** Only these counting lanes show (`:timeline jobs,errors`); metric lanes stay as they were. */
  showOnly(lanes: readonly string[]): void;
  openAiPicker(): Promise<void>;
  addMetricLane(choice: AiChoice): Promise<void>;
  removeMetricLane(key: string): void;
  /** Enter: the event's job (Jobs tab), commit (Repositories tab) or resource (Resources tab). */
  openEvent(event: Pick<TimelineEvent, 'opens' | 'type' | 'what'>): Promise<void>;
  reloadCommits(): Promise<void>;
}

/** Redraws a second at most from the stream (Ink's own cap is 30): a frame costs O(width × lanes) anyway. */
export const timelineFps = 10;
/** A live window with nothing new still moves on this often. */
const liveStepMs = 1_000;
/** How often the repositories' commits are read again while the timeline is connected. */
export const commitsEveryMs = 60_000;

/** How far back the feed replays and commits are read: the widest zoom. */
export const timelineRetainMs = 7 * 24 * 3_600_000;
/** Job output mined for the pattern shift, before the first pin and after the second. */
export const shiftWindowMs = 15 * 60_000;
/** AI runs offered by `a` (the newest). */
const aiRunsOffered = 20;

/** Everything the console has seen on lanes over time (Timeline tab). */
export const timelineSlice: Slice<'timeline', TimelineState, TimelineActions> = {
  name: 'timeline',
  initial: ({ now }) => ({
    version: 0,
    now: now(),
    window: liveWindow(now()),
    hidden: [],
    metricLanes: [],
    feed: { state: 'off', events: 0 },
    pins: [],
    panel: 'lanes',
    pinCursor: 0,
    selected: [],
    pickerCursor: 0,
  }),
  actions: ({ services, get, patch, notify, now }) => {
    const store = new TimelineStore({ clock: now });
    const state = () => get().timeline;
    let feed: TimelineFeedHandle | undefined;
    // Commits are read again every minute while the timeline is connected: a push during an incident shows.
    let commitsTimer: NodeJS.Timeout | undefined;
    let commitErrors = '';
    let timer: ReturnType<typeof setInterval> | undefined;
    let drawnVersion = -1;

    // Panning back stops once the oldest event is in the middle of the window: further is only empty.
    const bounds = (t = now(), span = state().window.span): WindowBounds => ({
      now: t,
      ...(Number.isFinite(store.from) ? { earliest: Math.min(store.from - span / 2, t - span) } : {}),
    });
    const setWindow = (window: TimelineWindow, extra: Partial<TimelineState> = {}) => {
      drawnVersion = store.version;
      patch({ window, now: now(), version: state().version + 1, ...extra });
    };
    const tick = () => {
      const s = state();
      const t = now();
      if (store.version === drawnVersion && !(s.window.live && t - s.now >= liveStepMs)) return;
      drawnVersion = store.version;
      patch({ version: s.version + 1, now: t });
    };
    const savePins = async (pins: readonly TimelinePin[]) => {
      try {
        await services.timeline?.savePins(pins);
        if (state().pinsError) patch({ pinsError: undefined });
      } catch (error) {
        const message = `pins not saved: ${errorText(error)}`;
        patch({ pinsError: message });
        notify('error', message);
      }
    };
    const loadPins = async () => {
      const timeline = services.timeline;
      if (!timeline) return;
      try {
        const { pins, skipped } = await timeline.loadPins();
        // A pin made while the file was read is kept.
        let merged = pins;
        for (const p of state().pins) merged = addPin(merged, p);
        patch({ pins: merged });
        if (skipped)
          notify(
            'warn',
            `${timeline.pinsFile}: ${skipped} pin${skipped === 1 ? ' did not read and was' : 's did not read and were'} left out`,
          );
      } catch (error) {
        patch({ pinsError: errorText(error) });
        notify('error', errorText(error));
      }
    };
    const reloadCommits = async () => {
      const timeline = services.timeline;
      if (!timeline) return;
      try {
        const t = now();
        const read = await timeline.commits(t - timelineRetainMs, t + 1);
        const seen = new Set(store.events('commits', 0, Number.POSITIVE_INFINITY).map((e) => e.id));
        for (const c of read.commits) if (!seen.has(`${c.repo}@${c.hash}`)) store.addCommit(c);
        // One line for all, and only when it changes: the Repositories tab lists each repository that cannot be read.
        const errors = read.errors.join('\n');
        if (errors === commitErrors) return;
        commitErrors = errors;
        if (read.errors.length)
          notify(
            'warn',
            `timeline: no commits from ${read.errors.length} repositor${read.errors.length === 1 ? 'y' : 'ies'} (${read.errors.join('; ')})`,
          );
      } catch (error) {
        notify('error', `timeline: commits: ${errorText(error)}`);
      }
    };
    const start = () => {
      void loadPins();
      void reloadCommits();
      commitsTimer ??= setInterval(() => void reloadCommits(), commitsEveryMs);
      commitsTimer.unref?.();
      const bus = services.bus;
      const timeline = services.timeline;
      if (!bus || !timeline) {
        patch({ feed: { state: 'off', events: 0, error: 'no worker layer in this console: no events' } });
        return;
      }
      patch({ feed: { state: 'replaying', events: 0 } });
      feed = timeline.feed(store, bus, now() - timelineRetainMs, {
        onError: (message) => {
          patch({ feed: { ...state().feed, error: message } });
          notify('error', message);
        },
        onNotice: (message) => notify('warn', message),
      });
      feed.replayed.then(
        (r) => patch({ feed: { ...state().feed, state: 'live', events: r.events, from: r.from } }),
        (error) => patch({ feed: { ...state().feed, state: 'live', error: errorText(error) } }),
      );
    };
    const selectedPins = (): [TimelinePin, TimelinePin] | undefined => {
      const s = state();
      const chosen = s.selected
        .map((id) => s.pins.find((p) => p.id === id))
        .filter((p): p is TimelinePin => p !== undefined);
      if (chosen.length === 2) return [chosen[0], chosen[1]];
      // Exactly two pins and none chosen: those two are meant.
      if (chosen.length === 0 && s.pins.length === 2) return [s.pins[0], s.pins[1]];
      return undefined;
    };
    const loadShift = async (a: TimelinePin, b: TimelinePin) => {
      const bus = services.bus;
      const timeline = services.timeline;
      const still = () => {
        const c = state().compare;
        return c && c.a.id === a.id && c.b.id === b.id ? c : undefined;
      };
      if (!bus || !timeline) {
        const c = still();
        if (c)
          patch({ compare: { ...c, shiftLoading: false, shiftError: 'no worker layer: no job output' } });
        return;
      }
      try {
        const [before, after] = await Promise.all([
          timeline.logLines(bus, a.time - shiftWindowMs, a.time),
          timeline.logLines(bus, b.time, b.time + shiftWindowMs),
        ]);
        const shift = patternShift(before.lines, after.lines, 10);
        const c = still();
        if (c)
          patch({
            compare: {
              ...c,
              shiftLoading: false,
              shift,
              shiftFrom: before.from,
              shiftTruncated: before.truncated || after.truncated,
            },
          });
      } catch (error) {
        const c = still();
        if (c) patch({ compare: { ...c, shiftLoading: false, shiftError: errorText(error) } });
      }
    };

    return {
      store: () => store,
      connect: sharedConnection(() => {
        start();
        return () => {
          feed?.stop();
          feed = undefined;
          clearInterval(commitsTimer);
          commitsTimer = undefined;
          if (timer) clearInterval(timer);
          timer = undefined;
        };
      }),
      setShown: (shown) => {
        if (shown && !timer) {
          tick();
          timer = setInterval(tick, Math.round(1000 / timelineFps));
          timer.unref?.();
        } else if (!shown && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      },
      zoom: (direction) => {
        const s = state();
        setWindow(zoomWindow(s.window, direction, bounds(), s.cursor));
      },
      pan: (windows) => setWindow(panWindow(state().window, windows, bounds())),
      follow: () => setWindow(followNow(state().window, now()), { cursor: undefined }),
      moveCursor: (columns, cells) => {
        const s = state();
        const t = now();
        const w = s.window.live ? { ...s.window, end: t } : s.window;
        const columnMs = w.span / Math.max(1, cells);
        const start = windowStart(w);
        // No cursor in the window yet: the first press puts it on the newest column.
        const placed = s.cursor !== undefined && s.cursor >= start && s.cursor < w.end;
        const next = placed ? (s.cursor as number) + columns * columnMs : w.end - columnMs / 2;
        if (next >= start && next < w.end) {
          patch({ cursor: next, version: s.version + 1 });
          return;
        }
        // Past an edge: the window follows the cursor a quarter at a time.
        const moved = panWindow(w, next < start ? -0.25 : 0.25, bounds(t));
        const end = moved.live ? t : moved.end;
        const cursor = Math.min(end - columnMs / 2, Math.max(end - moved.span + columnMs / 2, next));
        setWindow(moved, { cursor });
      },
      pin: (event) => {
        if (!event) {
          notify('warn', 'nothing to pin: no event near the cursor (← → move it onto one)');
          return;
        }
        const pins = addPin(state().pins, pinOf(event, now()));
        patch({
          pins,
          pinCursor: Math.max(
            0,
            pins.findIndex((p) => p.id === event.id),
          ),
        });
        notify('info', `pinned ${event.lane}: ${event.what.slice(0, 60)}`);
        void savePins(pins);
      },
      setPanel: (panel) => patch({ panel, pickerCursor: 0 }),
      movePinCursor: (delta) => {
        const s = state();
        patch({ pinCursor: Math.max(0, Math.min(s.pins.length - 1, s.pinCursor + delta)) });
      },
      toggleSelected: () => {
        const s = state();
        const pin = s.pins[s.pinCursor];
        if (!pin) return;
        const selected = s.selected.includes(pin.id)
          ? s.selected.filter((id) => id !== pin.id)
          : [...s.selected, pin.id].slice(-2);
        patch({ selected });
      },
      removePin: () => {
        const s = state();
        const pin = s.pins[s.pinCursor];
        if (!pin) return;
        const pins = s.pins.filter((p) => p.id !== pin.id);
        patch({
          pins,
          selected: s.selected.filter((id) => id !== pin.id),
          pinCursor: Math.max(0, Math.min(pins.length - 1, s.pinCursor)),
        });
        void savePins(pins);
      },
      jumpToPin: () => {
        const s = state();
        const pin = s.pins[s.pinCursor];
        if (!pin) return;
        const t = now();
        const half = s.window.span / 2;
        const window =
          pin.time + half >= t
            ? { span: s.window.span, end: t, live: true }
            : panWindow({ span: s.window.span, end: pin.time + half, live: false }, 0, bounds(t));
        setWindow(window, { cursor: pin.time, panel: 'lanes' });
      },
      compare: () => {
        const pair = selectedPins();
        if (!pair) {
          notify('warn', 'compare: select two pins first (P the pin list, Space selects)');
          return;
        }
        const [a, b] = pair[0].time <= pair[1].time ? pair : [pair[1], pair[0]];
        const result = comparePins(store, a.time, b.time, state().metricLanes);
        patch({ compare: { a, b, result, shiftWindowMs, shiftLoading: true } });
        void loadShift(a, b);
      },
      closeCompare: () => patch({ compare: undefined }),
      movePicker: (delta, count) => {
        const s = state();
        patch({ pickerCursor: Math.max(0, Math.min(count - 1, s.pickerCursor + delta)) });
      },
      toggleLane: (lane) => {
        const s = state();
        const hidden = s.hidden.includes(lane) ? s.hidden.filter((l) => l !== lane) : [...s.hidden, lane];
        patch({ hidden, version: s.version + 1 });
      },
      showOnly: (lanes) => {
        const s = state();
        const metricHidden = s.hidden.filter((l) => !isTimelineLaneId(l));
        patch({
          hidden: [...timelineLaneIds.filter((l) => !lanes.includes(l)), ...metricHidden],
          version: s.version + 1,
        });
      },
      openAiPicker: async () => {
        const ai = services.timeline?.aiMetrics;
        const bus = services.bus;
        if (!ai || !bus) {
          notify('warn', 'a: no AI run metrics in this console');
          return;
        }
        patch({ panel: 'aiPicker', pickerCursor: 0, ai: { loading: true, choices: [] } });
        try {
          const runs = await bus.queue.list({ kind: 'experimentRun', limit: aiRunsOffered });
          const choices: AiChoice[] = [];
          for (const run of runs) {
            for (const series of await ai.read(run.id)) {
              choices.push({ run: run.id, metric: series.name, points: series.points.length });
            }
          }
          patch({ ai: { loading: false, choices } });
        } catch (error) {
          patch({ ai: { loading: false, choices: [], error: errorText(error) } });
        }
      },
      addMetricLane: async (choice) => {
        const ai = services.timeline?.aiMetrics;
        if (!ai) return;
        const key = metricLaneKey(choice.run, choice.metric);
        try {
          const series = (await ai.read(choice.run)).find((s) => s.name === choice.metric);
          if (!series) throw new Error(`run ${choice.run} has no metric ${choice.metric}`);
          const lane: MetricLane = { key, run: choice.run, metric: choice.metric, points: series.points };
          const s = state();
          patch({
            metricLanes: [...s.metricLanes.filter((l) => l.key !== key), lane],
            panel: 'lanes',
            version: s.version + 1,
          });
        } catch (error) {
          notify('error', `metric lane ${key}: ${errorText(error)}`);
        }
      },
      removeMetricLane: (key) => {
        const s = state();
        patch({ metricLanes: s.metricLanes.filter((l) => l.key !== key), version: s.version + 1 });
      },
      openEvent: async (event) => {
        const opens = event.opens;
        const { actions } = get();
        if (!opens) {
          notify('warn', `nothing to open: ${event.type} names no job, commit or resource`);
        } else if ('job' in opens) {
          // Esc there (the job, the resource, the commit) comes back to the Timeline, its cursor where it was.
          actions.ui.openOnTab('jobs');
          await actions.jobs.openLog(opens.job);
        } else if ('resource' in opens) {
          actions.ui.openOnTab('resources');
          actions.ui.openView('resources', `details:${opens.region}/${opens.resource}`, { fresh: true });
        } else {
          const entryOf = () => get().repos.rows.find((r) => r.entry.name === opens.repo)?.entry;
          if (!entryOf()) await actions.repos.refresh();
          const entry = entryOf();
          if (!entry) {
            notify('warn', `${opens.repo}: not a repository of this workspace any more`);
            return;
          }
          actions.ui.openOnTab('repos');
          await actions.repos.openDetails(entry);
          await actions.repos.openCommit(opens.commit);
        }
      },
      reloadCommits,
    };
  },
};

/** The lanes the operator did not hide, in their order. */
export function shownLanes<T extends string>(all: readonly T[], hidden: readonly string[]): T[] {
  return all.filter((l) => !hidden.includes(l));
}
