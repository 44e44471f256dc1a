/**
 * A drop zone around a labelled file input: a file may be dropped on the zone or chosen with the input (which the
 * keyboard reaches like any control). Either way `onFile` gets the one file.
 */
import { h } from '../lib/dom.js';

export function dropZone(options: {
  id: string;
  label: string;
  hint: string;
  accept?: string;
  onFile(file: File): void;
}): HTMLElement {
  const input = h('input', { type: 'file', id: options.id, accept: options.accept ?? null });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file !== undefined) options.onFile(file);
    input.value = '';
  });
  const zone = h(
    'div',
    { class: 'drop-zone' },
    h('p', { class: 'hint' }, options.hint),
    h('label', { for: options.id }, options.label),
    input,
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) options.onFile(file);
  });
  return zone;
}
