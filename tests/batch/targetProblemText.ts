import type { TargetProblem } from '../../src/domain/batchTargets';

/** `targets.servers[1]: no server "web-3"…`: a problem with where in `targets` it is, to tell problems apart. */
export function targetProblemText(p: TargetProblem, selectors: number): string {
  const path = [...(selectors > 1 ? [p.selector] : []), ...p.path];
  let where = 'targets';
  for (const key of path) where += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return `${where}: ${p.message}`;
}
