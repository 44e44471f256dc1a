/**
 * The web pages the API serves: each page's path, its title and the browser entry (under `web/src/pages/`) that
 * builds it. The HTML of every page is the same small shell (`shell.ts`); everything else is the entry's script.
 */
export interface WebPage {
  /** The Express path the page answers on (`/verify/:hash` shares the verify page). */
  paths: string[];
  /** The entry's name: `web/src/pages/<entry>.ts`. */
  entry: string;
  title: string;
  /** Shown in the navigation; public pages need no sign-in. */
  nav: string;
  audience: 'public' | 'signed-in';
}

export const WEB_PAGES: WebPage[] = [
  { paths: ['/'], entry: 'home', title: 'PolicyLedger', nav: 'Home', audience: 'public' },
  {
    paths: ['/verify', '/verify/:hash'],
    entry: 'verify',
    title: 'Verify a document',
    nav: 'Verify',
    audience: 'public',
  },
  { paths: ['/insurer'], entry: 'insurer', title: 'Insurer console', nav: 'Insurer', audience: 'signed-in' },
  { paths: ['/client'], entry: 'client', title: 'My cover', nav: 'Client', audience: 'signed-in' },
  { paths: ['/reinsurer'], entry: 'reinsurer', title: 'Reinsurer dashboard', nav: 'Reinsurer', audience: 'signed-in' },
  { paths: ['/auditor'], entry: 'auditor', title: 'Auditor view', nav: 'Auditor', audience: 'signed-in' },
  {
    paths: ['/operations'],
    entry: 'operations',
    title: 'Consortium operations',
    nav: 'Operations',
    audience: 'signed-in',
  },
];
