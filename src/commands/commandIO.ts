import type { Workspace } from '../openWorkspace';

/** What a headless command gets: the opened workspace, its output streams and the shared flags. */
export interface CommandIO {
  workspace: Workspace;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  json: boolean;
  readOnly: boolean;
  env: NodeJS.ProcessEnv;
}
