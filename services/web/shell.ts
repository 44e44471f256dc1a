/** The HTML every page starts from: landmarks, the page's title and its bundled script and styles. No inline script. */
import type { WebPage } from './pages.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

export function pageShell(page: WebPage, assets: { script: string; styles: string[] }): string {
  const styles = assets.styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(page.title)} · PolicyLedger</title>` +
    '<link rel="icon" href="/favicon.svg" type="image/svg+xml">' +
    styles +
    `<script type="module" src="${escapeHtml(assets.script)}"></script>` +
    `</head><body data-page="${escapeHtml(page.entry)}">` +
    '<a class="skip-link" href="#main">Skip to content</a>' +
    '<header id="site-header"></header>' +
    `<main id="main" tabindex="-1"><h1>${escapeHtml(page.title)}</h1>` +
    '<noscript><p>This page needs JavaScript.</p></noscript></main>' +
    '<footer id="site-footer"></footer></body></html>'
  );
}

/** The site's icon: a ledger mark in the theme's colour, so no page asks for a missing /favicon.ico. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/>' +
  '<path d="M9 8h14v3H9zm0 6.5h14v3H9zM9 21h9v3H9z" fill="#fff"/></svg>';
