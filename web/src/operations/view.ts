/** Small view pieces the operations page's sections share. */
import { describeError } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { shortHex } from '../lib/format.js';

/** An address or hash, shortened, with the full value in its title and for screen readers' copy. */
export function hexValue(value: string): HTMLElement {
  return h('span', { class: 'mono', title: value }, shortHex(value));
}

/** A badge whose class says how good `state` is. */
export function stateBadge(state: string, tone: 'ok' | 'warn' | 'bad' | 'muted'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, state);
}

/** A `dl.facts` from label → value pairs (null values left out). */
export function facts(pairs: [string, Node | string | null][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([label, value]) => (value === null ? [] : [h('dt', {}, label), h('dd', {}, value)])),
  );
}

/**
 * A section's status line (announced politely), kept across the section's refreshes so the outcome of an action
 * stays readable after the list changes.
 */
export interface StatusLine {
  element: HTMLElement;
  say(message: string): void;
  fail(prefix: string, error: unknown): void;
}

export function statusLine(): StatusLine {
  const element = h('p', { role: 'status', 'aria-live': 'polite', class: 'status' });
  return {
    element,
    say(message) {
      element.classList.remove('error');
      element.textContent = message;
    },
    fail(prefix, error) {
      element.classList.add('error');
      element.textContent = `${prefix}: ${describeError(error)}`;
    },
  };
}
