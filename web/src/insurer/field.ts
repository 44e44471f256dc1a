/** A form control with its label and, when given, a hint the control names as its description. */
import { h } from '../lib/dom.js';

export function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (hint !== undefined) control.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint === undefined ? null : h('p', { class: 'hint', id: `${id}-hint` }, hint),
  );
}
