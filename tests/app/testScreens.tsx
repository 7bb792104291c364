import { Text } from 'ink';
import type { Screen } from '../../src/app/screen';

/** A minimal second tab, so switching has somewhere to go. */
export function textScreen(id: string, title: string, body: string): Screen {
  return {
    id,
    title,
    aliases: [],
    actions: [],
    scopes: [],
    hints: `${title} hints`,
    Component: () => <Text>{body}</Text>,
  };
}
