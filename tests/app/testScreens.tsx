import { Text } from 'ink';
import { useKeys } from '../../src/ui/keyDispatcher';
import type { Screen } from '../../src/ui/screen';

/** A minimal second tab, so switching has somewhere to go. */
export function textScreen(id: string, title: string, body: string): Screen {
  return {
    id,
    title,
    aliases: [],
    actions: [],
    scopes: [],
    hints: [`${title} hints`],
    Component: () => <Text>{body}</Text>,
  };
}

function Throwing() {
  useKeys('screen', (press) => {
    if (press.name === 'x') throw new Error('row 3 has no id');
    return false;
  });
  return <Text>the fragile body</Text>;
}

/** A tab whose `x` key handler throws, as a bug meeting bad data would. */
export const fragileScreen: Screen = {
  id: 'fragile',
  title: 'Fragile',
  aliases: [],
  actions: [],
  scopes: [],
  hints: [],
  Component: Throwing,
};
