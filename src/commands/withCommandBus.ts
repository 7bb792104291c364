import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { commandError } from './commandError';

/**
 * Opens the command's bus, runs `act` on it and closes it. Redis unreachable: says so (with `--json` on stdout too)
 * and exits 3; an error out of `act`: `infradeck COMMAND: message`, exit 1 (3 when it was the bus that went away).
 */
export async function withCommandBus(
  io: BusCommandIO,
  command: string,
  act: (bus: Bus) => Promise<number>,
  opts?: Parameters<typeof openCommandBus>[1],
): Promise<number> {
  const opened = await openCommandBus(io, opts);
  if ('error' in opened) return commandError(io, command, opened.error, exitCodes.unavailable);
  try {
    return await act(opened.bus);
  } catch (error) {
    io.stderr.write(`infradeck ${command}: ${(error as Error).message}\n`);
    return isBusError(error, 'unavailable') ? exitCodes.unavailable : exitCodes.failed;
  } finally {
    await opened.bus.close();
  }
}
