import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256 } from '../../domain/blueprintSource';
import { emptyProjectState, type ProjectState, projectStateSchema } from '../../domain/projectState';
import { formatSourceError, type SourceError } from '../../domain/sourceError';
import { parseYamlFile, sourceErrorAt } from '../../domain/yamlSource';
import { writeFileAtomic } from '../storage/atomicWrite';
import { workspacePaths } from '../storage/workspace';
import { fileErrorReason } from '../storage/yamlFile';

/** `<dataDir>/state`: one `<project>.json` per project, plus its `.lock` while a job runs. */
export function stateDir(dataDir: string): string {
  return join(workspacePaths(dataDir).root, 'state');
}

export function stateFilePath(dataDir: string, project: string): string {
  return join(stateDir(dataDir), `${project}.json`);
}

export type StateFileRead =
  | { ok: true; file: string; state?: ProjectState; sha256?: string }
  | { ok: false; file: string; errors: SourceError[] };

/**
 * The project's state file; none yet is `ok` without a state. A file edited by hand is validated like a
 * blueprint (JSON is read with the YAML parser, so every problem has its line and column).
 */
export async function readStateFile(dataDir: string, project: string): Promise<StateFileRead> {
  const file = stateFilePath(dataDir, project);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, file };
    return {
      ok: false,
      file,
      errors: [{ file, line: 0, column: 0, path: '', message: fileErrorReason(err) }],
    };
  }
  const parsed = parseYamlFile(file, text, projectStateSchema);
  if (!parsed.ok) return { ok: false, file, errors: parsed.errors };
  if (parsed.value.project !== project) {
    const message = `this is the state of project "${parsed.value.project}", not "${project}"`;
    return { ok: false, file, errors: [sourceErrorAt(file, parsed.doc, parsed.lines, ['project'], message)] };
  }
  return { ok: true, file, state: parsed.value, sha256: sha256(text) };
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  constructor(
    readonly file: string,
    readonly errors: SourceError[],
    why: string,
  ) {
    super(`${why}:\n${errors.map((e) => `  ${formatSourceError(e)}`).join('\n')}`);
  }
}

/**
 * A job's view of the state file: changes are applied in memory and written at once (atomically, one write
 * at a time, in order), so a resource is on disk the moment its create returns. A file that someone else
 * changed meanwhile is never overwritten: the write fails and says so.
 */
export class StateRecorder {
  private chain: Promise<void> = Promise.resolve();
  /** A write queued and not yet started: later changes ride along with it. */
  private queued: Promise<void> | undefined;
  private failure: Error | undefined;

  private constructor(
    readonly file: string,
    private current: ProjectState,
    private lastWrittenSha: string | undefined,
    private readonly now: () => number,
  ) {}

  /**
   * Opens the state of `project` (a fresh one when there is none). A state file that does not validate is
   * refused with its located errors: it is never replaced by a fresh one.
   */
  static async open(
    dataDir: string,
    project: string,
    fresh: { region: string; protected: boolean },
    now: () => number = Date.now,
  ): Promise<StateRecorder> {
    const read = await readStateFile(dataDir, project);
    if (!read.ok) {
      throw new StateFileError(
        read.file,
        read.errors,
        `the state file of ${project} is not valid; fix it (or move it aside) and run the job again — it is never overwritten`,
      );
    }
    await mkdir(stateDir(dataDir), { recursive: true });
    const state = read.state ?? emptyProjectState(project, fresh.region, fresh.protected, now());
    return new StateRecorder(read.file, state, read.sha256, now);
  }

  get state(): ProjectState {
    return this.current;
  }

  /** Applies `change` to a copy of the state and writes it; resolves once it is on disk. */
  update(change: (draft: ProjectState) => void): Promise<void> {
    const draft = structuredClone(this.current);
    change(draft);
    draft.updatedAt = this.now();
    this.current = draft;
    if (!this.queued) {
      const write = this.chain.then(() => {
        this.queued = undefined;
        return this.write();
      });
      this.queued = write;
      this.chain = write.catch(() => {});
    }
    return this.queued;
  }

  /** Waits for every write queued so far. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private async write(): Promise<void> {
    if (this.failure) throw this.failure;
    const onDisk = await readFile(this.file, 'utf8').then(
      (text) => sha256(text),
      () => undefined,
    );
    if (onDisk !== this.lastWrittenSha) {
      this.failure = new Error(
        `${this.file} was changed by someone else while this job ran; it is not overwritten. ` +
          `What this job recorded since: ${JSON.stringify(this.current.resources.map((r) => r.id))}`,
      );
      throw this.failure;
    }
    const text = `${JSON.stringify(this.current, null, 2)}\n`;
    await writeFileAtomic(this.file, text);
    this.lastWrittenSha = sha256(text);
  }
}
