import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/commands/audit';
import type { AuditEntry } from '../../src/domain/audit';
import { compareEventIds } from '../../src/domain/event';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { openBus } from '../../src/services/bus/openBus';
import { alice } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { Capture } from '../harness/capture';

/** A transport with a trail to export, and the environment `infradeck audit` reads it with. */
interface Trail {
  bus: Bus;
  env: NodeJS.ProcessEnv;
  workspace?: { dataDir: string };
  close: () => Promise<void>;
}

const transports: { name: string; skip: boolean; open: (dir: string) => Promise<Trail> }[] = [
  {
    name: "the workspace's audit file",
    skip: false,
    open: async (dir) => {
      const bus = openMemoryBus({ requester: alice, dataDir: dir });
      return { bus, env: { USER: 'auditor' }, workspace: { dataDir: dir }, close: () => bus.close() };
    },
  },
  {
    name: 'the Redis audit stream',
    skip: skipRedis,
    open: async () => {
      const prefix = uniquePrefix('auditexport');
      const bus = await openBus({ redisUrl, prefix, requester: alice });
      if (!(await bus.state.whenConnected(5000))) throw new Error(`Redis at ${redisUrl} is not answering`);
      return {
        bus,
        env: { USER: 'auditor', REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix },
        close: async () => {
          await bus.close();
          await deletePrefix(prefix);
        },
      };
    },
  },
];

for (const transport of transports) {
  describe.skipIf(transport.skip)(`infradeck audit --export: ${transport.name}`, () => {
    let dir: string;
    let trail: Trail;

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'infradeck-auditexport-'));
      trail = await transport.open(dir);
    });
    afterEach(async () => {
      await trail.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function audit(...argv: string[]) {
      const stdout = new Capture();
      const stderr = new Capture();
      const code = await auditCommand(argv, { stdout, stderr, env: trail.env, workspace: trail.workspace });
      return { code, stdout: stdout.text, stderr: stderr.text };
    }

    it('writes the whole trail, oldest first, one JSON object a line, 0600, masked, and says how many', async () => {
      const { queue } = trail.bus;
      // Jobs nobody runs: each request is audited (and one line a person typed holds a token).
      for (const word of ['one', 'two', 'three']) {
        await queue.enqueue({
          kind: 'command',
          payload: { program: 'echo', args: [word] },
          requestedBy: alice,
        });
      }
      const typed = await queue.enqueue({
        kind: 'command',
        payload: { program: 'curl', args: ['-H', 'Authorization: Bearer tok-MaskMe-123456'] },
        requestedBy: alice,
      });
      await queue.cancel(typed, alice);
      const expected = await trail.bus.audit.list();
      expect(expected.length).toBeGreaterThanOrEqual(5);
      // The trail itself is stored masked: read back as it is, it holds no token either.
      expect(JSON.stringify(expected)).not.toContain('tok-MaskMe-123456');
      expect(JSON.stringify(expected)).toContain('Authorization: Bearer ***');

      const file = join(dir, 'trail.jsonl');
      const r = await audit('--export', file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`exported ${expected.length} audit entries to ${file}\n`);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(expected.length);
      const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
      expect(entries.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      for (let i = 1; i < entries.length; i++)
        expect(compareEventIds(entries[i - 1].id, entries[i].id)).toBeLessThan(0);
      expect(entries.map((e) => e.action)).toContain('job.cancel');
      expect(entries.every((e) => e.who.user === 'alice')).toBe(true);
      expect(text).not.toContain('tok-MaskMe-123456');
      expect(text).toContain('Authorization: Bearer ***');

      // With --json: the count and the file, for a script.
      const again = await audit('--export', join(dir, 'again.jsonl'), '--json');
      expect(JSON.parse(again.stdout)).toEqual({ exported: expected.length, file: join(dir, 'again.jsonl') });
    });

    it('refuses to overwrite a file unless --force, and names what is wrong', async () => {
      await trail.bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'true', args: [] },
        requestedBy: alice,
      });
      const file = join(dir, 'kept.jsonl');
      writeFileSync(file, 'an earlier export\n', { mode: 0o644 });
      const refused = await audit('--export', file);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(`infradeck audit: ${file} exists: --force to replace it\n`);
      expect(readFileSync(file, 'utf8')).toBe('an earlier export\n');

      const forced = await audit('--export', file, '--force');
      expect(forced.code, forced.stderr).toBe(0);
      expect(readFileSync(file, 'utf8')).toMatch(/^\{"id":/);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      expect((await audit('--export', file, '--limit', '3', '--force')).code).toBe(2);
      expect((await audit('--force')).code).toBe(2);
      const missing = await audit('--export', join(dir, 'no', 'such', 'folder.jsonl'));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`cannot write ${join(dir, 'no', 'such', 'folder.jsonl')}`);
      expect(existsSync(join(dir, 'no'))).toBe(false);
    });
  });
}
