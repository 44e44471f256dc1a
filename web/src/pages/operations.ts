/**
 * Consortium operations, for ADMIN parties and oracle operators: pending dual-control proposals decoded into what
 * they would do (ADMINs act on them), the oracle hub's feeds that need attention, and the oracles' health. Each
 * section loads on its own, so one failing does not hide the others; a section a role may not read is not asked for.
 */
import '../operations/operations.css';
import { append, h } from '../lib/dom.js';
import { startPage } from '../lib/layout.js';
import { describeError } from '../lib/api.js';
import { feedsSection } from '../operations/feeds.js';
import { oraclesSection } from '../operations/oracles.js';
import { proposalsSection } from '../operations/proposals.js';

/** Loads a section, showing its failure in place. */
async function load(section: { element: HTMLElement; refresh(): Promise<void> }): Promise<void> {
  try {
    await section.refresh();
  } catch (error) {
    append(
      section.element,
      h('p', { class: 'notice error', role: 'alert' }, `This section could not load: ${describeError(error)}`),
    );
  }
}

void startPage({
  roles: ['ADMIN', 'ORACLE'],
  async render({ main, me }) {
    const roles = me?.roles ?? [];
    const sections = h('div', { class: 'ops-sections' });
    const proposals = roles.includes('ADMIN') ? proposalsSection() : null;
    const feeds = feedsSection(roles, () => proposals?.refresh() ?? Promise.resolve());
    const oracles = oraclesSection();
    append(
      sections,
      proposals?.element ??
        h(
          'p',
          { class: 'hint' },
          'Dual-control proposals are for ADMIN parties; an oracle operator sees feeds and health.',
        ),
      feeds.element,
      oracles.element,
    );
    append(main, sections);
    await Promise.all([proposals === null ? null : load(proposals), load(feeds), load(oracles)]);
  },
});
