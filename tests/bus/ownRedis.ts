import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './contractSuite';
import { portOpen } from './redisTestEnv';

/** A redis-server of our own on a free port, so a test can stop and restart it (with or without AOF). */
export async function startRedis(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      persistent ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  await waitFor(`redis-server on port ${port}`, () => portOpen(port), 10_000);
  return server;
}

export async function stopRedis(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}
