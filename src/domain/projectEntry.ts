import type { Blueprint } from './blueprint';
import type { ProjectState } from './projectState';
import type { SourceError } from './sourceError';

/** One project as the Deployments screen and `infradeck projects` list it. */
export interface ProjectEntry {
  /** The blueprint's path; for a project known only by its state file, the state file's. */
  file: string;
  /** The blueprint's name, or the file's name without `.yaml` when the blueprint is not valid. */
  name: string;
  /** Of the blueprint's text (the deploy snapshot's identity); empty without a readable blueprint. */
  sha256: string;
  blueprint?: Blueprint;
  /** The blueprint's problems, located; empty when valid. */
  errors: SourceError[];
  stateFile: string;
  state?: ProjectState;
  /** The state file's problems: the project's status is `unknown` until they are fixed. */
  stateErrors: SourceError[];
}
