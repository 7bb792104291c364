import type { Slice } from '../slice';

export interface WorkspaceState {
  dataDir: string;
  readOnly: boolean;
  configPath: string;
}

/** Where the console works and whether it may change anything: set at start, never changed. */
export const workspaceSlice: Slice<'workspace', WorkspaceState, Record<string, never>> = {
  name: 'workspace',
  initial: ({ init }) => ({ dataDir: init.dataDir, readOnly: init.readOnly, configPath: init.configPath }),
  actions: () => ({}),
};
