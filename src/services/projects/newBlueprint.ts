import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlueprintInput } from '../../domain/blueprint';
import { blueprintYaml } from '../../domain/blueprintDraft';
import { type BlueprintFile, parseBlueprint } from '../../domain/blueprintSource';
import type { SourceError } from '../../domain/sourceError';
import { writeFileAtomic } from '../storage/atomicWrite';
import { workspacePaths } from '../storage/workspace';
import { loadProjects } from './loadProjects';

export type SaveResult =
  | { ok: true; file: string; blueprint: BlueprintFile }
  | { ok: false; errors: SourceError[] };

/**
 * Writes a new blueprint to `<dataDir>/projects/<name>.yaml` atomically, after validating it. Refused (nothing
 * written) when it is not valid, when the file exists, or when another blueprint already uses the name.
 */
export async function saveNewBlueprint(dataDir: string, input: BlueprintInput): Promise<SaveResult> {
  const dir = workspacePaths(dataDir).projectsDir;
  const file = join(dir, `${input.name}.yaml`);
  const text = blueprintYaml(input);
  const parsed = parseBlueprint(file, text);
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  const taken = (await loadProjects(dataDir)).find((e) => e.blueprint?.name === input.name);
  if (exists || taken) {
    const where = exists ? file : taken?.file;
    return {
      ok: false,
      errors: [
        {
          file,
          line: 0,
          column: 0,
          path: 'name',
          message: `project "${input.name}" already exists (${where})`,
        },
      ],
    };
  }
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(file, text);
  return { ok: true, file, blueprint: parsed };
}
