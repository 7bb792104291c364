import { parseDocument } from 'yaml';
import { CiError } from './pipelineClient';

/** One `on.workflow_dispatch.inputs` entry: what a trigger form asks for. */
export interface DispatchInput {
  name: string;
  description?: string;
  required: boolean;
  default?: string;
  type: 'string' | 'boolean' | 'choice' | 'number' | 'environment';
  /** For `choice`. */
  options?: string[];
}

/** Whether the workflow can be dispatched at all, and its inputs in file order. */
export interface DispatchSpec {
  dispatchable: boolean;
  inputs: DispatchInput[];
}

const inputTypes = new Set(['string', 'boolean', 'choice', 'number', 'environment']);

/** The `workflow_dispatch` part of a workflow file's text. `file` names it in errors (`path:line:col: …`). */
export function dispatchSpecOf(text: string, file: string): DispatchSpec {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const at = e.linePos?.[0];
    throw new CiError(
      'invalid',
      `${file}:${at ? `${at.line}:${at.col}` : '1:1'}: ${e.message.split('\n')[0]}`,
    );
  }
  const root = doc.toJS() as unknown;
  if (!root || typeof root !== 'object') return { dispatchable: false, inputs: [] };
  const on = (root as Record<string, unknown>).on;
  if (on === 'workflow_dispatch') return { dispatchable: true, inputs: [] };
  if (Array.isArray(on)) return { dispatchable: on.includes('workflow_dispatch'), inputs: [] };
  if (!on || typeof on !== 'object' || !('workflow_dispatch' in on))
    return { dispatchable: false, inputs: [] };
  const dispatch = (on as Record<string, unknown>).workflow_dispatch;
  const declared =
    dispatch && typeof dispatch === 'object' ? (dispatch as Record<string, unknown>).inputs : undefined;
  const inputs: DispatchInput[] = [];
  if (declared && typeof declared === 'object') {
    for (const [name, raw] of Object.entries(declared as Record<string, unknown>)) {
      const spec = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
      const type = typeof spec.type === 'string' && inputTypes.has(spec.type) ? spec.type : 'string';
      inputs.push({
        name,
        description: typeof spec.description === 'string' ? spec.description : undefined,
        required: spec.required === true,
        default: spec.default === undefined || spec.default === null ? undefined : String(spec.default),
        type: type as DispatchInput['type'],
        options: Array.isArray(spec.options) ? spec.options.map(String) : undefined,
      });
    }
  }
  return { dispatchable: true, inputs };
}

/**
 * Checks inputs against the workflow's declaration before GitHub sees them (its 422 says less): unknown names,
 * required ones missing (a default counts), a choice outside its options, a boolean or number that is not one.
 * Returns the problems, one line each; empty when the inputs are fine.
 */
export function dispatchInputProblems(
  spec: DispatchSpec,
  inputs: Record<string, string>,
  workflow: string,
): string[] {
  if (!spec.dispatchable)
    return [`${workflow} has no workflow_dispatch trigger: add \`on: workflow_dispatch\` to run it by hand`];
  const problems: string[] = [];
  const byName = new Map(spec.inputs.map((i) => [i.name, i]));
  for (const name of Object.keys(inputs)) {
    if (!byName.has(name)) {
      const known = spec.inputs.map((i) => i.name);
      problems.push(
        `input "${name}" is not declared by ${workflow} (${known.length > 0 ? `its inputs: ${known.join(', ')}` : 'it takes no inputs'})`,
      );
    }
  }
  for (const input of spec.inputs) {
    const value = inputs[input.name];
    if (value === undefined) {
      if (input.required && input.default === undefined) problems.push(`input "${input.name}" is required`);
      continue;
    }
    if (input.type === 'choice' && input.options && !input.options.includes(value))
      problems.push(`input "${input.name}": "${value}" is not one of ${input.options.join(', ')}`);
    if (input.type === 'boolean' && value !== 'true' && value !== 'false')
      problems.push(`input "${input.name}": "${value}" is not true or false`);
    if (input.type === 'number' && !Number.isFinite(Number(value)))
      problems.push(`input "${input.name}": "${value}" is not a number`);
  }
  return problems;
}
