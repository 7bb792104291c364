import { useMemo } from 'react';
import type { Resource } from '../../domain/resource';
import { useCopy } from '../../ui/clipboard';
import { useKeys } from '../../ui/keyDispatcher';
import { TextDetails } from '../TextDetails';
import { nameText, typeLabel } from './resourceColumns';
import { resourceYaml } from './resourceDetails';

/** `d` on a resource: all it is, as YAML, in a scrolling text view; `y` copies its id. */
export function ResourceDescribeView({
  resource,
  width,
  height,
  active,
  onBack,
}: {
  resource: Resource;
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
}) {
  const copy = useCopy();
  const lines = useMemo(() => resourceYaml(resource), [resource]);
  // Registered after TextDetails' own keys (a parent's layout effect runs after its child's), so it is asked first.
  useKeys(
    'screen',
    (press) => {
      if (press.action(['resourceDescribe']) !== 'clipboard.copy') return false;
      copy(resource.id);
      return true;
    },
    active,
  );
  return (
    <TextDetails
      title={`describe ${typeLabel[resource.type]} ${resource.id}${nameText(resource) ? ` (${nameText(resource)})` : ''}`}
      lines={lines}
      width={width}
      height={height}
      active={active}
      onBack={onBack}
    />
  );
}
