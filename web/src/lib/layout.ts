/**
 * Every page's frame: the navigation, who is signed in (with sign-in by wallet, and on the local stack the clearly
 * marked developer sign-in as a demo party), and the page's own content in `<main>`. A page that needs a signed-in
 * party with one of `roles` shows the sign-in panel until there is one, and says so when the party lacks the role.
 */
import '../styles.css';
import { describeError } from './api.js';
import { append, h, replace } from './dom.js';
import { currentSession, devSignIn, loadSite, signInWithWallet, signOut, type Me, type Site } from './session.js';
import { hasWallet } from './wallet.js';

export interface PageContext {
  main: HTMLElement;
  site: Site;
  /** The signed-in party (null on a public page when nobody is signed in). */
  me: Me | null;
}

export interface PageOptions {
  /** Roles any of which lets a party use the page; omitted: a public page. */
  roles?: string[];
  render(context: PageContext): void | Promise<void>;
}

function navigation(site: Site): HTMLElement {
  const here = location.pathname;
  return h(
    'nav',
    { 'aria-label': 'Pages' },
    h(
      'ul',
      { class: 'nav' },
      site.pages.map((page) => {
        const current = page.path === '/' ? here === '/' : here === page.path || here.startsWith(`${page.path}/`);
        return h('li', {}, h('a', { href: page.path, 'aria-current': current ? 'page' : null }, page.nav));
      }),
    ),
  );
}

function sessionBox(site: Site, me: Me | null): HTMLElement {
  const box = h('div', { class: 'session' });
  if (me !== null) {
    append(
      box,
      h('span', { class: 'who' }, `${me.party.legalName} · ${me.roles.join(', ')}`),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => void signOut().then(() => location.reload()),
        },
        'Sign out',
      ),
    );
  } else {
    append(box, h('a', { href: '#sign-in', class: 'button secondary' }, 'Sign in'));
  }
  return box;
}

/** The sign-in panel: the wallet (SIWE), and on the local stack the developer sign-in. */
export function signInPanel(site: Site, reason: string): HTMLElement {
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  const done = () => location.reload();
  const fail = (error: unknown) => {
    status.textContent = describeError(error);
    status.classList.add('error');
  };
  const panel = h(
    'section',
    { id: 'sign-in', class: 'panel', 'aria-labelledby': 'sign-in-title' },
    h('h2', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, reason),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          status.textContent = 'Waiting for your wallet…';
          status.classList.remove('error');
          signInWithWallet().then(done, fail);
        },
      },
      'Sign in with your wallet',
    ),
    hasWallet() ? null : h('p', { class: 'hint' }, 'No browser wallet was found on this page.'),
  );
  if (site.embedded && site.devParties.length > 0) {
    const select = h(
      'select',
      { id: 'dev-party', name: 'party' },
      site.devParties.map((party) => h('option', { value: party.name }, `${party.name} — ${party.legalName}`)),
    );
    append(
      panel,
      h(
        'form',
        {
          class: 'dev-sign-in',
          'aria-labelledby': 'dev-sign-in-title',
          onsubmit: (event: Event) => {
            event.preventDefault();
            devSignIn(select.value).then(done, fail);
          },
        },
        h('h3', { id: 'dev-sign-in-title' }, 'Developer sign-in (local stack only)'),
        h('p', { class: 'hint' }, 'Acts as a demo party of this local stack, whose keys are public development keys.'),
        h('label', { for: 'dev-party' }, 'Demo party'),
        select,
        h('button', { type: 'submit', class: 'secondary' }, 'Sign in as this demo party'),
      ),
    );
  }
  append(panel, status);
  return panel;
}

/** Builds the frame and runs the page's `render` once the reader may see it. */
export async function startPage(options: PageOptions): Promise<void> {
  const main = document.getElementById('main')!;
  const header = document.getElementById('site-header')!;
  try {
    const [site, me] = await Promise.all([loadSite(), currentSession()]);
    replace(header, h('a', { href: '/', class: 'brand' }, 'PolicyLedger'), navigation(site), sessionBox(site, me));
    const footer = document.getElementById('site-footer');
    if (footer !== null) {
      replace(footer, h('p', {}, `Chain ${site.chainId}`, site.embedded ? ' · local development stack' : ''));
    }
    if (options.roles !== undefined) {
      if (me === null) {
        append(main, signInPanel(site, 'Sign in to see this page.'));
        return;
      }
      if (!options.roles.some((role) => me.roles.includes(role))) {
        append(
          main,
          h(
            'p',
            { class: 'notice', role: 'alert' },
            `This page is for ${options.roles.join(' or ')} parties; ${me.party.legalName} is ${me.roles.join(', ') || 'without a role'}.`,
          ),
        );
        return;
      }
    } else if (me === null && location.hash === '#sign-in') {
      append(main, signInPanel(site, 'Sign in with your wallet.'));
    }
    await options.render({ main, site, me });
  } catch (error) {
    append(main, h('p', { class: 'notice error', role: 'alert' }, `This page could not load: ${describeError(error)}`));
  }
}
