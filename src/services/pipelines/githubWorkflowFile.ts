import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CiError } from '../../domain/pipelineClient';
import { type DispatchSpec, dispatchSpecOf } from '../../domain/workflowDispatch';

/** Reads `.github/workflows/<file>` in a local clone. */
export async function readDispatchSpec(clone: string, workflowFile: string): Promise<DispatchSpec> {
  if (!/^[\w.-]+\.ya?ml$/.test(workflowFile))
    throw new CiError('invalid', `"${workflowFile}" is not a workflow file name (like ci.yml)`);
  const path = join(clone, '.github', 'workflows', workflowFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CiError('not-found', `${path}: no such workflow file in the local clone`);
    throw new CiError('invalid', `${path}: ${(err as Error).message}`);
  }
  return dispatchSpecOf(text, path);
}
