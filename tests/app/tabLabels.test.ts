import { describe, expect, it } from 'vitest';
import { tabLabels } from '../../src/app/tabLabels';
import { displayWidth } from '../../src/domain/text';

const titles = ['Dashboard', 'Repositories', 'Resources', 'Deployments', 'Jobs', 'Servers'];
const bar = (width: number, active = 2, shorts: Record<string, string> = {}) => {
  const t = tabLabels(
    titles.map((title) => ({ title, short: shorts[title] })),
    active,
    width,
  );
  return t.brand + t.labels.join('');
};

describe('the tab bar at every width', () => {
  it('shows everything when it fits, and never more than the width', () => {
    expect(bar(100)).toBe(
      'infradeck  1 Dashboard  2 Repositories  3 Resources  4 Deployments  5 Jobs  6 Servers ',
    );
    for (let width = 50; width <= 100; width++) expect(displayWidth(bar(width))).toBeLessThanOrEqual(width);
  });

  it('narrower, it tightens, drops the brand, then shortens the other titles; no label is ever blank', () => {
    expect(bar(80)).toBe('infradeck 1 Dashboard 2 Repositories 3 Resources 4 Deployments 5 Jobs 6 Servers');
    expect(bar(72)).toBe(' 1 Dashboard 2 Repositories 3 Resources 4 Deployments 5 Jobs 6 Servers');
    expect(bar(64)).toBe(' 1 Dashboar 2 Reposito 3 Resources 4 Deployme 5 Jobs 6 Servers');
    for (let width = 50; width <= 80; width++) {
      expect(bar(width)).toContain('3 Resources');
      expect(bar(width)).not.toMatch(/\d {2}/);
    }
    // Below the console's smallest size (50 columns) only the numbers are left, and the active tab's name.
    expect(bar(30)).toBe(' 1 2 3 Resources 4 5 6');
  });

  it('goes by the short names before it cuts words, and keeps the active tab whole', () => {
    const shorts = { Repositories: 'Repos', Deployments: 'Deploys', Dashboard: 'Dash' };
    expect(bar(66, 2, shorts)).toBe('infradeck 1 Dash 2 Repos 3 Resources 4 Deploys 5 Jobs 6 Servers');
    expect(bar(66, 1, shorts)).toBe(' 1 Dash 2 Repositories 3 Resources 4 Deploys 5 Jobs 6 Servers');
    expect(bar(42, 2, shorts)).toBe(' 1 Das 2 Rep 3 Resources 4 Dep 5 Job 6 Ser');
  });

  it("names the active tab by its short name too before it cuts another tab's word", () => {
    const shorts = {
      Repositories: 'Repos',
      Deployments: 'Deploys',
      Dashboard: 'Dash',
      Resources: 'Res',
      Servers: 'Srv',
    };
    expect(bar(50, 2, shorts)).toBe(' 1 Dash 2 Repos 3 Resources 4 Deploys 5 Jobs 6 Srv');
    expect(bar(49, 2, shorts)).toBe(' 1 Dash 2 Repos 3 Res 4 Deploys 5 Jobs 6 Srv');
  });
});
