import type { HandlerFactories } from '../../src/worker/jobHandlers';
import { handlerFactories } from '../../src/worker/jobHandlers';

// Not a test file: `tsc` (npm run typecheck) proves that a declared kind without a handler does not compile.
const { destroy: _left, ...withoutDestroy } = handlerFactories;

// @ts-expect-error: `destroy` is declared in domain/jobKinds.ts, so its handler is required
export const missingOne: HandlerFactories = withoutDestroy;

// @ts-expect-error: a handler for a kind nobody declared is refused as well
export const unknownOne: HandlerFactories = { ...handlerFactories, frobnicate: () => async () => ({}) };
