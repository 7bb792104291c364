export interface GraphNode {
  key: string;
  /** Keys that must succeed first; keys not in the graph are taken as done. */
  after: readonly string[];
}

export interface GraphRun {
  done: string[];
  failed: { key: string; error: unknown }[];
  /** Not started: something they wait for failed, or the run stopped first. */
  notAttempted: string[];
}

/**
 * Runs each node as soon as everything it waits for is done, at most `limit` at once. After the first failure
 * (or an abort) nothing new starts; the nodes already running finish, and the run reports what happened
 * (never throws: the caller looks at `signal.aborted` and `failed`).
 */
export async function runGraph<N extends GraphNode>(
  nodes: readonly N[],
  limit: number,
  work: (node: N) => Promise<void>,
  signal?: AbortSignal,
): Promise<GraphRun> {
  const keys = new Set(nodes.map((n) => n.key));
  const waiting = new Map(
    nodes.map((n) => [n.key, n.after.filter((k) => keys.has(k) && k !== n.key).length]),
  );
  const dependants = new Map<string, N[]>();
  for (const n of nodes) {
    for (const k of n.after) {
      if (!keys.has(k) || k === n.key) continue;
      const list = dependants.get(k) ?? [];
      list.push(n);
      dependants.set(k, list);
    }
  }
  const ready: N[] = nodes.filter((n) => waiting.get(n.key) === 0);
  const run: GraphRun = { done: [], failed: [], notAttempted: [] };
  const started = new Set<string>();
  let running = 0;
  let stopped = false;

  await new Promise<void>((resolve) => {
    const pump = () => {
      if (signal?.aborted) stopped = true;
      while (!stopped && running < Math.max(1, limit) && ready.length > 0) {
        const node = ready.shift()!;
        started.add(node.key);
        running++;
        work(node).then(
          () => {
            run.done.push(node.key);
            for (const d of dependants.get(node.key) ?? []) {
              const left = (waiting.get(d.key) ?? 1) - 1;
              waiting.set(d.key, left);
              if (left === 0) ready.push(d);
            }
            running--;
            pump();
          },
          (error: unknown) => {
            run.failed.push({ key: node.key, error });
            stopped = true;
            running--;
            pump();
          },
        );
      }
      if (running === 0) resolve();
    };
    pump();
  });

  run.notAttempted = nodes.filter((n) => !started.has(n.key)).map((n) => n.key);
  return run;
}
