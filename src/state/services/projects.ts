import type { BlueprintInput } from '../../domain/blueprint';
import type { ProjectEntry } from '../../domain/projectEntry';
import type { Resource } from '../../domain/resource';
import type { SourceError } from '../../domain/sourceError';

export type DraftSave = { ok: true; file: string } | { ok: false; errors: SourceError[] };

/** The projects folder as the console uses it; `openWorkspace` wires the real one (`deckProjectsFor`). */
export interface DeckProjects {
  /** `<dataDir>/projects`, for messages. */
  dir: string;
  /** Every blueprint with its state file; a bad file is an entry with its errors. Never rejects. */
  list(): Promise<ProjectEntry[]>;
  /** Calls `onChange` shortly after a blueprint or state file changes; resolves once watching. */
  watch(onChange: () => void, onError: (error: Error) => void): Promise<{ close(): Promise<void> }>;
  /** The project's resources asked of the cloud now, by its tag. Absent without a cloud. */
  lookUp?(project: string, region: string): Promise<Resource[]>;
  /** Writes `<dir>/<name>.yaml` atomically; refused when invalid or when the name is taken. */
  saveNew(input: BlueprintInput): Promise<DraftSave>;
  /** The program and arguments that open `file` in the user's editor (`$VISUAL`, `$EDITOR`, else vi). */
  editor(file: string): { program: string; args: string[] };
}
