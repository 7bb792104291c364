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
  ...Array.from({ length: 9 }, (_, i) => ({
    id: `tab.${i + 1}`,
    keys: [String(i + 1)],
    description: `Tab ${i + 1}`,
    scope: 'global',
  })),
];

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
    description: 'Filter: text, re:regex, glob*, column:value, !not',
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
  { id: 'nav.bottom', keys: ['G', 'end'], description: 'Bottom (follow)', scope: 'log' },
  { id: 'view.back', keys: ['esc'], description: 'Back', scope: 'log' },
];

/** The effective bindings: defaults with the user's overrides applied. */
export class Keymap {
  readonly unknownOverrides: string[];
  private readonly defs: ActionDef[];

  constructor(defs: ActionDef[], overrides: KeyOverrides = {}) {
    const known = new Set(defs.map((d) => d.id));
    this.unknownOverrides = Object.keys(overrides).filter((id) => !known.has(id));
    this.defs = defs.map((d) => {
      if (!(d.id in overrides)) return d;
      const o = overrides[d.id];
      return { ...d, keys: o === null ? [] : Array.isArray(o) ? o : [o] };
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

  keysFor(id: string, scope?: string): string[] {
    return this.defs.find((d) => d.id === id && (scope === undefined || d.scope === scope))?.keys ?? [];
  }

  actionsIn(scope: string): ActionDef[] {
    return this.defs.filter((d) => d.scope === scope);
  }
}
