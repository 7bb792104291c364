/** A step of a DAG as the maths needs it: its name and the steps it waits for. */
export interface DagStep {
  name: string;
  needs: readonly string[];
}

/**
 * How a step of a run stands. `pending`: not started (its needs have not all passed yet); `skipped`: a step it
 * needs failed, was skipped or was cancelled, so it never runs.
 */
export type StepStatus = 'pending' | 'running' | 'passed' | 'failed' | 'skipped' | 'cancelled';

/**
 * The first cycle among the steps, as the names along it with the first repeated at the end (`['a', 'b', 'a']`),
 * or undefined. Unknown needs are ignored (they are reported on their own).
 */
export function findCycle(steps: readonly DagStep[]): string[] | undefined {
  const byName = new Map(steps.map((s) => [s.name, s]));
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (done.has(name)) return undefined;
    const at = onPath.get(name);
    if (at !== undefined) return [...path.slice(at), name];
    const step = byName.get(name);
    if (!step) return undefined;
    onPath.set(name, path.length);
    path.push(name);
    for (const need of step.needs) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };
  for (const s of steps) {
    const cycle = visit(s.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/** `a -> b -> a`. */
export function cycleText(cycle: readonly string[]): string {
  return cycle.join(' -> ');
}

/** Every step that waits on `name`, directly or through others, in step order. */
export function dependentsOf(steps: readonly DagStep[], name: string): string[] {
  const found = new Set<string>([name]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (!found.has(s.name) && s.needs.some((n) => found.has(n))) {
        found.add(s.name);
        grew = true;
      }
    }
  }
  return steps.filter((s) => s.name !== name && found.has(s.name)).map((s) => s.name);
}

/** What a run does next, from how its steps stand. */
export interface DagProgress {
  /** Pending steps whose needs have all passed: start them now. */
  ready: string[];
  /** Pending steps that can never run (a step they need, directly or not, did not pass). */
  skip: string[];
  /** Every step has ended (none pending, running nor ready). */
  finished: boolean;
  /** Once finished: passed when every step passed. */
  outcome?: 'passed' | 'failed' | 'cancelled';
}

/**
 * The next move of a run over a DAG without cycles. A failed step skips its dependents only: steps that do not
 * need it go on (as GitHub Actions and GitLab CI do), and the run fails once everything that can run has ended.
 */
export function dagProgress(steps: readonly DagStep[], status: ReadonlyMap<string, StepStatus>): DagProgress {
  const now = new Map(steps.map((s) => [s.name, status.get(s.name) ?? 'pending']));
  const skip: string[] = [];
  // Step order need not be topological: go round until nothing more is skipped.
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (now.get(s.name) !== 'pending') continue;
      const blocked = s.needs.some((n) => {
        const st = now.get(n);
        return st === 'failed' || st === 'skipped' || st === 'cancelled';
      });
      if (blocked) {
        now.set(s.name, 'skipped');
        skip.push(s.name);
        grew = true;
      }
    }
  }
  const ready = steps
    .filter((s) => now.get(s.name) === 'pending' && s.needs.every((n) => now.get(n) === 'passed'))
    .map((s) => s.name);
  const open = [...now.values()].some((st) => st === 'pending' || st === 'running');
  if (open || ready.length > 0) return { ready, skip, finished: false };
  const all = [...now.values()];
  const outcome = all.every((st) => st === 'passed')
    ? 'passed'
    : all.some((st) => st === 'failed')
      ? 'failed'
      : all.some((st) => st === 'cancelled')
        ? 'cancelled'
        : 'failed';
  return { ready, skip, finished: true, outcome };
}
