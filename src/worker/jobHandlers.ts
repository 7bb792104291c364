import type { Handlers } from '../services/bus/contracts';
import { command } from './handlers/command';

/** Every job kind this version of infradeck can run, by kind. */
export const jobHandlers: Handlers = {
  command,
};
