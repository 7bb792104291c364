import { existsSync } from 'node:fs';
import type { CommandResult, JobSpec, JobStatus, Requester } from '../../src/domain/job';
import { type Handler, type JobContext, JobFailure } from '../../src/services/bus/contracts';
import { command } from '../../src/worker/handlers/command';

// Test handlers shared by the contract suite and the worker processes of the flow tests (no vitest here: a
// worker process imports this file).

export const alice: Requester = { user: 'alice', host: 'jump1', sshClient: '10.0.0.5 52344 22' };

function ok(lines: number): CommandResult {
  return { exitCode: 0, lines, droppedLines: 0 };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * A `command` handler whose programs are scripts of the test (the real one runs for any other program):
 * the transport under test cannot tell the difference.
 */
export function scriptedHandler(calls: string[] = [], aborts: unknown[] = []): Handler<'command'> {
  const seen = new Set<string>();
  return async (p, ctx) => {
    calls.push(`${ctx.jobId}:${p.program}`);
    switch (p.program) {
      case 'steps': {
        const n = Number(p.args[0]);
        for (let i = 1; i <= n; i++) {
          ctx.progress(i, n, `step ${i}`);
          await ctx.log(`did step ${i}`);
        }
        return ok(n);
      }
      case 'fail-until':
        if (ctx.attempt < Number(p.args[0])) throw new Error(`attempt ${ctx.attempt} failed`);
        return ok(0);
      case 'fail-first-run':
        if (!seen.has(p.args[0])) {
          seen.add(p.args[0]);
          throw new Error('the first run fails');
        }
        return ok(0);
      case 'fail':
        throw new Error(p.args[0] ?? 'failed');
      case 'fail-with-result':
        throw new JobFailure(p.args[0] ?? 'failed', { exitCode: Number(p.args[1]), lastLine: p.args[0] });
      case 'block':
        await untilAborted(ctx.signal);
        aborts.push(ctx.signal.reason);
        throw new Error('aborted');
      case 'ignore-abort':
        await untilAborted(ctx.signal);
        return ok(0);
      case 'parent':
        return parentScript(p.args, ctx);
      // A child that notes itself on its parent and queues a sibling (as a pipeline step starts the next steps).
      case 'add-sibling': {
        const parent = ctx.flow.parent!;
        const noted = await parent.note(p.args[0], { by: ctx.jobId }, ['nobody']);
        const ids = await parent.addChildren([{ key: p.args[1], spec: childSpec('steps', '1') }]);
        calls.push(`noted ${noted?.count} ${noted?.notes.size}; queued ${ids.join(',')}`);
        return ok(0);
      }
      // A child that, cancelled with its parent, tries to note and queue a sibling all the same.
      case 'sibling-on-abort': {
        await untilAborted(ctx.signal);
        const parent = ctx.flow.parent!;
        const noted = await parent.note('late', {}, []);
        const ids = await parent.addChildren([{ key: 'late', spec: childSpec('steps', '1') }]);
        calls.push(`after cancel: noted ${noted !== undefined}; queued ${ids.length}`);
        return ok(0);
      }
      default:
        return command(p, ctx);
    }
  };
}

/** What the test parents return: their children's ids, statuses and results, in the order they were added. */
export interface ParentResult extends CommandResult {
  children: Array<{ id: string; status: JobStatus; result?: unknown; error?: string }>;
}

function childSpec(program: string, ...args: string[]): JobSpec {
  return { kind: 'command', payload: { program, args }, requestedBy: alice };
}

/**
 * Parent jobs as re-entrant state machines, the shape of a batch or a pipeline run: each call reads the saved
 * phase, does the next step and suspends; the transport calls it again when the children end, the time comes,
 * or someone resumes it.
 */
async function parentScript(args: string[], ctx: JobContext): Promise<ParentResult> {
  const { flow } = ctx;
  const state = flow.state<{ phase: string; round?: number }>() ?? { phase: 'start' };
  const done = async (): Promise<ParentResult> => {
    const children = (await flow.children()).map((c) => ({
      id: c.id,
      status: c.status,
      ...(c.result !== undefined ? { result: c.result } : {}),
      ...(c.error ? { error: c.error } : {}),
    }));
    return { exitCode: 0, lines: 0, droppedLines: 0, children };
  };
  switch (`${args[0]}:${state.phase}`) {
    // Two waves, then a manual pause.
    case 'waves:start':
      await flow.addChildren(['a', 'b', 'c'].map((key) => ({ key, spec: childSpec('steps', '1') })));
      await flow.save({ phase: 'wave1' });
      return flow.waitForChildren();
    case 'waves:wave1': {
      const first = await flow.children();
      if (first.some((c) => c.status !== 'completed')) throw new Error('wave 1 did not complete');
      // `a` again is the same job, not a second one (a parent re-run after its worker died does this).
      await flow.addChildren(['a', 'd', 'e'].map((key) => ({ key, spec: childSpec('steps', '2') })));
      await flow.save({ phase: 'wave2' });
      return flow.waitForChildren();
    }
    case 'waves:wave2':
      await flow.save({ phase: 'paused' });
      return flow.sleep('manual');
    case 'waves:paused':
      return done();
    // One child fails; the parent fails; a retry of the parent re-runs only the failed child, under a new key.
    case 'retry-failed:start':
      await flow.addChildren([
        { key: 'good', spec: childSpec('steps', '1') },
        { key: 'flaky', spec: childSpec('fail-first-run', ctx.jobId) },
      ]);
      await flow.save({ phase: 'check', round: 0 });
      return flow.waitForChildren();
    case 'retry-failed:check': {
      const children = await flow.children();
      if (children.some((c) => c.status === 'active' || c.status === 'queued'))
        throw new Error('woken before its children ended');
      if (children.at(-1)?.status === 'failed') {
        await flow.save({ phase: 'failed', round: state.round ?? 0 });
        throw new Error(`${children.filter((c) => c.status === 'failed').length} child failed`);
      }
      return done();
    }
    case 'retry-failed:failed': {
      const round = (state.round ?? 0) + 1;
      await flow.addChildren([{ key: `flaky-r${round}`, spec: childSpec('fail-first-run', ctx.jobId) }]);
      await flow.save({ phase: 'check', round });
      return flow.waitForChildren();
    }
    // Children that run until cancelled.
    case 'blockers:start':
      await flow.addChildren(['x', 'y'].map((key) => ({ key, spec: childSpec('block') })));
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    case 'blockers:wait':
      return done();
    // A child that queues a sibling while the parent waits; one that tries once the parent is cancelled.
    case 'siblings:start':
      await flow.addChildren([{ key: 'first', spec: childSpec('add-sibling', 'first', 'second') }]);
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    case 'late-sibling:start':
      await flow.addChildren([{ key: 'x', spec: childSpec('sibling-on-abort') }]);
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    case 'siblings:wait':
    case 'late-sibling:wait':
      return done();
    // Many children at once: more than the worker has slots.
    case 'many:start':
      await flow.addChildren(
        Array.from({ length: Number(args[1]) }, (_, i) => ({ key: `n${i}`, spec: childSpec('steps', '0') })),
      );
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    case 'many:wait':
      return done();
    // Children under keys that are, and are not, plain enough for an id; one fails with a result.
    case 'keys:start':
      await flow.addChildren([
        { key: 'web-1', spec: childSpec('steps', '1') },
        { key: 'db 2:5432', spec: childSpec('fail-with-result', 'disk full', '3') },
      ]);
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    case 'keys:wait':
      return done();
    // A timed sleep.
    case 'nap:start':
      await flow.save({ phase: 'woke' });
      return flow.sleep(Date.now() + Number(args[1]));
    case 'nap:woke':
      return done();
    // Children that run in a worker process of the test (see `flowOnWorkers.test.ts`). Each records the pid of its
    // worker: the parent of the spawner that started its shell.
    case 'files:start': {
      const [, dir, count] = args;
      const keys = Array.from({ length: Number(count) }, (_, i) => `t${i + 1}`);
      await flow.addChildren(
        keys.map((key) => ({
          key,
          spec: {
            kind: 'command',
            payload: {
              program:
                'w=$(cut -d" " -f4 /proc/$PPID/stat); echo "start $2 $w $$" >> "$1/runs.txt"; while [ ! -e "$1/go-$2" ]; do sleep 0.05; done; echo "end $2 $w" >> "$1/runs.txt"; echo "$2"',
              args: [dir, key],
              shell: true,
            },
            requestedBy: alice,
          },
        })),
      );
      // With `hold`: the parent dies here (a test kills its worker) after adding its children, before saving.
      while (args[3] === 'hold' && existsSync(`${dir}/parent-hold`) && !ctx.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await flow.save({ phase: 'wait' });
      return flow.waitForChildren();
    }
    case 'files:wait':
      return done();
    default:
      throw new Error(`parent script ${args[0]} has no phase ${state.phase}`);
  }
}
