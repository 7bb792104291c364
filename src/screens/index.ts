import type { Screen } from '../app/screen';
import { reposScreen } from './repos/ReposScreen';

/** The tabs, in order: their position is their number key. */
export const screens: readonly Screen[] = [reposScreen];
