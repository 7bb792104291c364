import { didYouMean } from '../domain/didYouMean';
import { keyNameProblem } from './keyName';

/** One thing a user can do with a key, named by an id the config file can rebind. */
export interface ActionDef {
  id: string;
  /** Default keys (see keyName.ts for the spelling). */
  keys: string[];
  description: string;
  /** `global`, `table`, `log`, `overlay` or a screen id: where the action is looked up. */
  scope: string;
}

export type KeyOverrides = Record<string, string | string[] | null>;

export const globalActions: ActionDef[] = [
  { id: 'app.quit', keys: ['q'], description: 'Quit (Ctrl-C always quits)', scope: 'global' },
  { id: 'app.help', keys: ['?'], description: 'Keys of this screen', scope: 'global' },
  { id: 'app.palette', keys: [':'], description: 'Command palette', scope: 'global' },
  { id: 'tab.next', keys: ['tab'], description: 'Next tab', scope: 'global' },
  { id: 'tab.prev', keys: ['shift-tab'], description: 'Previous tab', scope: 'global' },
];

/**
 * The key of the tab at `index` (from 0): `1`…`9`, then `0` for the tenth, as along a keyboard's digit row (a
 * screen's own `0`, the Timeline's "back to now", hides it there); none after that (Tab and `:<name>` reach them).
 */
export function tabKey(index: number): string | undefined {
  return index < 9 ? String(index + 1) : index === 9 ? '0' : undefined;
}

/** One action per tab that has a key (`tabKey`), described by the tab's title when given. */
export function tabActions(tabs: number, titles: readonly string[] = []): ActionDef[] {
  return Array.from({ length: Math.max(0, tabs) }, (_, i) => tabKey(i)).flatMap((key, i) =>
    key === undefined
      ? []
      : [
          {
            id: `tab.${i + 1}`,
            keys: [key],
            description: titles[i] ? `Tab ${i + 1}: ${titles[i]}` : `Tab ${i + 1}`,
            scope: 'global',
          },
        ],
  );
}

/**
 * The tab keys as one help line (`1-6 Switch tab`) while they are bound to their own numbers from `1` on; a tab key
 * that is rebound or unbound, and those after it, keep a line each.
 */
export function collapseTabActions(actions: readonly ActionDef[]): ActionDef[] {
  const run: ActionDef[] = [];
  for (const a of actions) {
    const n = run.length + 1;
    if (a.id === `tab.${n}` && a.keys.length === 1 && a.keys[0] === String(n)) run.push(a);
  }
  if (run.length < 2) return [...actions];
  const range: ActionDef = {
    id: `tab.1…tab.${run.length}`,
    keys: [`1-${run.length}`],
    description: 'Switch tab',
    scope: run[0].scope,
  };
  return actions.flatMap((a) => (a === run[0] ? [range] : run.includes(a) ? [] : [a]));
}

export const tableActions: ActionDef[] = [
  { id: 'nav.down', keys: ['j', 'down'], description: 'Down', scope: 'table' },
  { id: 'nav.up', keys: ['k', 'up'], description: 'Up', scope: 'table' },
  { id: 'nav.pageDown', keys: ['pgdn', 'ctrl-f', 'ctrl-d'], description: 'Page down', scope: 'table' },
  { id: 'nav.pageUp', keys: ['pgup', 'ctrl-b', 'ctrl-u'], description: 'Page up', scope: 'table' },
  { id: 'nav.top', keys: ['g', 'home'], description: 'First row', scope: 'table' },
  { id: 'nav.bottom', keys: ['G', 'end'], description: 'Last row', scope: 'table' },
  {
    id: 'table.filter',
    keys: ['/'],
    description: 'Filter: text, re:regex, glob*, column:value, !not (Esc clears it)',
    scope: 'table',
  },
  { id: 'table.select', keys: ['space'], description: 'Select row', scope: 'table' },
  { id: 'table.selectAll', keys: ['ctrl-a'], description: 'Select all shown', scope: 'table' },
  { id: 'table.sortNext', keys: ['o'], description: 'Sort by next column', scope: 'table' },
  { id: 'table.sortReverse', keys: ['O'], description: 'Reverse sort', scope: 'table' },
];

export const logActions: ActionDef[] = [
  { id: 'nav.down', keys: ['j', 'down'], description: 'Scroll down', scope: 'log' },
  { id: 'nav.up', keys: ['k', 'up'], description: 'Scroll up', scope: 'log' },
  { id: 'nav.pageDown', keys: ['pgdn', 'ctrl-f', 'ctrl-d'], description: 'Page down', scope: 'log' },
  { id: 'nav.pageUp', keys: ['pgup', 'ctrl-b', 'ctrl-u'], description: 'Page up', scope: 'log' },
  { id: 'nav.top', keys: ['g', 'home'], description: 'Top', scope: 'log' },
  { id: 'nav.bottom', keys: ['G', 'end'], description: 'Bottom (follows output still coming)', scope: 'log' },
  { id: 'view.back', keys: ['esc'], description: 'Back (first clears a search)', scope: 'log' },
  {
    id: 'log.search',
    keys: ['/'],
    description: 'Search: text (any case) or re:regex; Enter finds, Esc clears',
    scope: 'log',
  },
  { id: 'log.searchNext', keys: ['n'], description: 'Next match (round the end)', scope: 'log' },
  { id: 'log.searchPrev', keys: ['N'], description: 'Previous match', scope: 'log' },
  { id: 'view.wrap', keys: ['w'], description: 'Wrap long lines (on/off)', scope: 'log' },
  { id: 'view.scrollLeft', keys: ['left'], description: 'Scroll left', scope: 'log' },
  { id: 'view.scrollRight', keys: ['right'], description: 'Scroll right (long lines)', scope: 'log' },
];

/** Moving in a list that is not a table (the Dashboard, a resource's details): no selection, no sort. */
export const listActions: ActionDef[] = [
  { id: 'nav.down', keys: ['j', 'down'], description: 'Down', scope: 'list' },
  { id: 'nav.up', keys: ['k', 'up'], description: 'Up', scope: 'list' },
  { id: 'nav.pageDown', keys: ['pgdn', 'ctrl-f', 'ctrl-d'], description: 'Page down', scope: 'list' },
  { id: 'nav.pageUp', keys: ['pgup', 'ctrl-b', 'ctrl-u'], description: 'Page up', scope: 'list' },
  { id: 'nav.top', keys: ['g', 'home'], description: 'First row', scope: 'list' },
  { id: 'nav.bottom', keys: ['G', 'end'], description: 'Last row', scope: 'list' },
];

/**
 * `/` and `o`/`O` of a table as `scope`'s own keys: with the `list` scope for moving, a table whose rows no action
 * takes together (the Repositories, the Pipelines) offers no `Space`/`Ctrl-A` selection that would do nothing.
 */
export function filterSortActions(scope: string): ActionDef[] {
  return tableActions
    .filter((a) => a.id === 'table.filter' || a.id.startsWith('table.sort'))
    .map((a) => ({ ...a, scope }));
}

/**
 * `y` where a row or view names something (a resource, a job, a path): one action id everywhere, so one line of
 * config.yaml rebinds it on every screen.
 */
export function copyAction(scope: string, description: string): ActionDef {
  return { id: 'clipboard.copy', keys: ['y'], description, scope };
}

/** A binding of the config file that was not applied; `path` is below `keys:`: the action id, and the list item. */
export interface KeyProblem {
  path: [string] | [string, number];
  message: string;
}

/**
 * The effective bindings: defaults with the user's overrides applied. An override that names no action, holds a
 * key no terminal sends, or takes a key that another action of its scope (or a global one) already has is not
 * applied, the action keeps its default keys, and it becomes a `problems` entry.
 */
export class Keymap {
  readonly problems: KeyProblem[] = [];
  private readonly defs: ActionDef[];

  constructor(defs: ActionDef[], overrides: KeyOverrides = {}) {
    const defaults = new Map<string, ActionDef>();
    for (const d of defs) if (!defaults.has(d.id)) defaults.set(d.id, d);
    // Insertion order is the file's order: of two overrides taking one key, the later one gives way.
    const accepted = new Map<string, { keys: string[]; written: string[]; listed: boolean }>();
    for (const [id, value] of Object.entries(overrides)) {
      const def = defaults.get(id);
      if (!def) {
        this.problems.push({ path: [id], message: unknownActionMessage(id, defaults.keys()) });
        continue;
      }
      const listed = Array.isArray(value);
      const keys = value === null ? [] : Array.isArray(value) ? value : [value];
      const bad = keys.flatMap((key, i) => {
        const why = keyNameProblem(key);
        return why ? [{ path: listed ? ([id, i] as [string, number]) : ([id] as [string]), why }] : [];
      });
      for (const b of bad) this.problems.push({ path: b.path, message: `${b.why}; ${keeps(def)}` });
      if (bad.length === 0) accepted.set(id, { keys: [...new Set(keys)], written: keys, listed });
    }

    for (;;) {
      const clash = firstClash(defs, accepted);
      if (!clash) break;
      const { loser, winner, key } = clash;
      const binding = accepted.get(loser.id);
      accepted.delete(loser.id);
      const index = binding?.listed ? binding.written.indexOf(key) : -1;
      this.problems.push({
        path: index >= 0 ? [loser.id, index] : [loser.id],
        message: `${JSON.stringify(key)} is already bound to ${winner.id} (${winner.description}); ${keeps(loser)}`,
      });
    }
    this.defs = defs.map((d) => {
      const binding = accepted.get(d.id);
      return binding ? { ...d, keys: binding.keys } : d;
    });
  }

  /** The action bound to `key` in the first scope (in order) that binds it. */
  resolve(key: string, scopes: readonly string[]): string | undefined {
    for (const scope of scopes) {
      const def = this.defs.find((d) => d.scope === scope && d.keys.includes(key));
      if (def) return def.id;
    }
    return undefined;
  }

  /** Whether any action of any scope is bound to `key`. */
  binds(key: string): boolean {
    return this.defs.some((d) => d.keys.includes(key));
  }

  keysFor(id: string, scope?: string): string[] {
    return this.defs.find((d) => d.id === id && (scope === undefined || d.scope === scope))?.keys ?? [];
  }

  actionsIn(scope: string): ActionDef[] {
    return this.defs.filter((d) => d.scope === scope);
  }
}

function unknownActionMessage(id: string, known: Iterable<string>): string {
  const suggestion = didYouMean(id, known, Math.max(2, Math.floor(id.length / 4)));
  return suggestion
    ? `unknown action id "${id}" (did you mean "${suggestion}"? ? lists the actions of each screen)`
    : `unknown action id "${id}" (? lists the actions of each screen)`;
}

function keeps(def: ActionDef): string {
  return def.keys.length > 0 ? `${def.id} keeps ${def.keys.join(', ')}` : `${def.id} stays unbound`;
}

/**
 * Two actions that one key press could reach (of one scope, or one of them global: a screen's key hides a global
 * one), sharing a key, at least one of them bound by the user: the user's binding gives way (the later one, when
 * both are).
 */
function firstClash(
  defs: readonly ActionDef[],
  accepted: ReadonlyMap<string, { keys: string[] }>,
): { loser: ActionDef; winner: ActionDef; key: string } | undefined {
  const order = [...accepted.keys()];
  const keysOf = (d: ActionDef) => accepted.get(d.id)?.keys ?? d.keys;
  for (let i = 0; i < defs.length; i++) {
    for (let j = i + 1; j < defs.length; j++) {
      const a = defs[i];
      const b = defs[j];
      const meet = a.scope === b.scope || a.scope === 'global' || b.scope === 'global';
      if (a.id === b.id || !meet) continue;
      const aUser = accepted.has(a.id);
      const bUser = accepted.has(b.id);
      if (!aUser && !bUser) continue;
      const bKeys = keysOf(b);
      const key = keysOf(a).find((k) => bKeys.includes(k));
      if (key === undefined) continue;
      const aLoses = aUser && (!bUser || order.indexOf(a.id) > order.indexOf(b.id));
      return aLoses ? { loser: a, winner: b, key } : { loser: b, winner: a, key };
    }
  }
  return undefined;
}
