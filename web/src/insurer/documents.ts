/**
 * Upload and anchor documents: one file or a batch, with the metadata of `POST /v1/documents`. Files go one after the
 * other (each with its bytes' progress, the batch with "n of m"); each then shows its state from queued to anchored,
 * read from `GET /v1/documents/{hash}` until the chain has it, with its SHA-256 and a link to the verify page. A
 * refused upload shows the API's problem and stops the batch, and the form keeps everything entered and the files
 * chosen, so that the insurer corrects the one field and sends again.
 */
import { describeError, get } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import { field } from './field.js';
import { formatBytes, formatTime, shortHex } from '../lib/format.js';
import { uploadDocument } from './upload.js';

const DOCUMENT_TYPES = ['Policy', 'Endorsement', 'Schedule', 'Certificate', 'Treaty', 'Claim', 'Other'];
const RETENTION_CLASSES: [string, string][] = [
  ['2', 'Property (15 years after cover ends)'],
  ['1', 'Life (permanent)'],
  ['3', 'Health (20 years after cover ends)'],
];
/** How often a queued document's state is read again. */
const POLL_MS = 1_000;

interface DocumentState {
  status: string;
  anchor: { blockNumber: number | null; transactionHash: string | null; anchoredAt: string | null } | null;
  operation: { state: string; error?: { code: string; message: string } } | null;
}

/** The addresses in a text area: one per line (commas and spaces also separate them). */
function addressList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

/** One file's line in the batch: name, bytes sent, state, hash and verify link. */
class FileRow {
  readonly element: HTMLLIElement;
  private readonly progress: HTMLProgressElement;
  private readonly state: HTMLSpanElement;
  private readonly details: HTMLDivElement;

  constructor(
    readonly file: File,
    index: number,
  ) {
    const id = `upload-progress-${index}`;
    this.progress = h('progress', { id, max: file.size, value: 0 });
    this.state = h('span', { class: 'badge muted' }, 'waiting');
    this.details = h('div', { class: 'file-details' });
    this.element = h(
      'li',
      { class: 'file-row' },
      h(
        'div',
        { class: 'file-head' },
        h('span', { class: 'file-name' }, file.name),
        ` (${formatBytes(file.size)}) `,
        this.state,
      ),
      h('label', { for: id, class: 'visually-hidden' }, `Bytes of ${file.name} sent`),
      this.progress,
      this.details,
    );
  }

  show(state: string, tone: 'ok' | 'warn' | 'bad' | 'muted'): void {
    this.state.textContent = state;
    this.state.className = `badge ${tone}`;
  }

  sent(bytes: number): void {
    this.progress.value = bytes;
  }

  registered(documentHash: string): void {
    this.progress.value = this.file.size;
    replace(
      this.details,
      h('p', {}, 'SHA-256 ', h('code', { class: 'document-hash' }, documentHash)),
      h('p', {}, h('a', { href: `/verify/${documentHash}` }, `Verify ${shortHex(documentHash)}`)),
    );
  }

  anchored(anchor: NonNullable<DocumentState['anchor']>): void {
    append(
      this.details,
      h(
        'p',
        { class: 'hint' },
        `Block ${anchor.blockNumber ?? '—'}`,
        anchor.anchoredAt === null ? '' : ` · ${formatTime(anchor.anchoredAt)}`,
        anchor.transactionHash === null ? '' : ` · transaction ${shortHex(anchor.transactionHash)}`,
      ),
    );
  }

  failed(message: string): void {
    append(this.details, h('p', { class: 'error' }, message));
  }
}

/** Reads the document until the chain has it (or refused it); the row follows each state. */
async function followToAnchor(row: FileRow, documentHash: string, announce: (text: string) => void): Promise<void> {
  for (;;) {
    const document = await get<DocumentState>(`/v1/documents/${documentHash}`);
    const state = document.operation?.state ?? (document.anchor === null ? 'queued' : 'anchored');
    if (state === 'failed') {
      row.show('failed', 'bad');
      row.failed(document.operation?.error?.message ?? 'The chain refused the anchor');
      announce(`${row.file.name} was not anchored`);
      return;
    }
    if (state === 'anchored' && document.anchor !== null && document.anchor.blockNumber !== null) {
      row.show('anchored', 'ok');
      row.anchored(document.anchor);
      announce(`${row.file.name} is anchored`);
      return;
    }
    row.show(state, 'warn');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Files dropped here become the file input's, as if chosen there (the input stays the way for keyboards). */
function dropZone(files: HTMLInputElement): HTMLElement {
  const zone = h('div', { class: 'drop-zone' }, 'Or drop the files here');
  const over = (on: boolean) => (event: Event) => {
    event.preventDefault();
    zone.classList.toggle('over', on);
  };
  zone.addEventListener('dragenter', over(true));
  zone.addEventListener('dragover', over(true));
  zone.addEventListener('dragleave', over(false));
  zone.addEventListener('drop', (event) => {
    over(false)(event);
    const dropped = event.dataTransfer?.files;
    if (dropped === undefined || dropped.length === 0) return;
    files.files = dropped;
    files.dispatchEvent(new Event('change', { bubbles: true }));
  });
  return zone;
}

export function documentsSection(): HTMLElement {
  const files = h('input', { id: 'doc-files', name: 'files', type: 'file', multiple: true, required: true });
  const documentType = h(
    'select',
    { id: 'doc-type', name: 'documentType' },
    DOCUMENT_TYPES.map((type) => h('option', { value: type }, type)),
  );
  const policyRef = h('input', { id: 'doc-policy-ref', name: 'policyRef', required: true, maxlength: 128 });
  const retention = h(
    'select',
    { id: 'doc-retention', name: 'retentionClass' },
    RETENTION_CLASSES.map(([value, label]) => h('option', { value }, label)),
  );
  const coverEnds = h('input', { id: 'doc-cover-ends', name: 'coverEndsAt', type: 'date', required: true });
  const signers = h('textarea', { id: 'doc-signers', name: 'requiredSigners', rows: 2, spellcheck: 'false' });
  const readers = h('textarea', { id: 'doc-readers', name: 'readers', rows: 2, spellcheck: 'false' });
  const confidential = h('input', { id: 'doc-confidential', name: 'confidential', type: 'checkbox', checked: true });
  const termsHash = h('input', {
    id: 'doc-terms-hash',
    name: 'termsHash',
    pattern: '0x[0-9a-fA-F]{64}',
    spellcheck: 'false',
    class: 'mono',
  });
  const submit = h('button', { type: 'submit' }, 'Anchor the documents');
  const problem = h('div', { id: 'doc-problem', role: 'alert', class: 'form-problem' });
  const batchProgress = h('progress', { id: 'batch-progress', max: 1, value: 0 });
  const batchStatus = liveRegion({ class: 'status', id: 'batch-status' });
  const list = h('ol', { class: 'file-list', 'aria-label': 'Documents of this batch' });
  const batch = h(
    'div',
    { class: 'batch', hidden: true },
    h('label', { for: 'batch-progress' }, 'Batch progress'),
    batchProgress,
    batchStatus,
    list,
  );
  const announce = (text: string) => {
    batchStatus.textContent = text;
  };

  const form = h(
    'form',
    { class: 'panel', 'aria-labelledby': 'documents-title' },
    field('doc-files', 'Files (choose several for a batch)', files),
    dropZone(files),
    h(
      'div',
      { class: 'form-grid' },
      field('doc-type', 'Document type', documentType),
      field('doc-policy-ref', 'Policy reference', policyRef, 'Goes on chain: no personal data.'),
      field('doc-retention', 'Retention class', retention),
      field('doc-cover-ends', 'Cover ends', coverEnds, 'Retention counts from this date.'),
    ),
    field('doc-signers', 'Required co-signers', signers, 'Addresses, one per line; leave empty for none.'),
    field('doc-readers', 'Readers', readers, 'Addresses of parties that may read the content, one per line.'),
    h('div', { class: 'check' }, confidential, h('label', { for: 'doc-confidential' }, 'Confidential (encrypted)')),
    field('doc-terms-hash', 'Terms hash (optional)', termsHash, 'EIP-712 struct hash of parametric terms.'),
    problem,
    submit,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = [...(files.files ?? [])];
    if (chosen.length === 0) return;
    const metadata: Record<string, unknown> = {
      documentType: documentType.value,
      policyRef: policyRef.value.trim(),
      retentionClass: Number(retention.value),
      coverEndsAt: coverEnds.value,
      requiredSigners: addressList(signers.value),
      readers: addressList(readers.value),
      confidential: confidential.checked,
      ...(termsHash.value.trim() === '' ? {} : { termsHash: termsHash.value.trim().toLowerCase() }),
    };
    replace(problem);
    submit.disabled = true;
    void sendBatch(chosen, metadata).finally(() => {
      submit.disabled = false;
    });
  });

  async function sendBatch(chosen: File[], metadata: Record<string, unknown>): Promise<void> {
    const rows = chosen.map((file, index) => new FileRow(file, index));
    replace(
      list,
      rows.map((row) => row.element),
    );
    batch.hidden = false;
    batchProgress.max = chosen.length;
    batchProgress.value = 0;
    const following: Promise<void>[] = [];
    for (const [index, row] of rows.entries()) {
      announce(`Uploading ${index + 1} of ${chosen.length}: ${row.file.name}`);
      row.show('uploading', 'warn');
      try {
        const registration = await uploadDocument(row.file, metadata, (sent) => row.sent(sent));
        row.registered(registration.documentHash);
        row.show(registration.operation.state, 'warn');
        batchProgress.value = index + 1;
        following.push(
          followToAnchor(row, registration.documentHash, announce).catch((error: unknown) => {
            row.show('unknown', 'bad');
            row.failed(describeError(error));
          }),
        );
      } catch (error) {
        row.show('refused', 'bad');
        rows.slice(index + 1).forEach((rest) => rest.show('not sent', 'muted'));
        replace(
          problem,
          h('p', { class: 'notice error' }, `${row.file.name}: ${describeError(error)}`),
          h('p', { class: 'hint' }, 'Nothing was lost: correct the form and send the documents again.'),
        );
        announce(`Stopped at ${index + 1} of ${chosen.length}: the API refused ${row.file.name}`);
        return;
      }
    }
    announce(`Uploaded ${chosen.length} of ${chosen.length}; waiting for the chain`);
    await Promise.all(following);
    announce(`All ${chosen.length} documents of the batch are settled`);
  }

  return h(
    'section',
    { id: 'documents', 'aria-labelledby': 'documents-title' },
    h('h2', { id: 'documents-title' }, 'Anchor documents'),
    h(
      'p',
      { class: 'hint' },
      'Each file is hashed (SHA-256) and stored by the API, then anchored on the ledger: alone, or in the next Merkle batch.',
    ),
    form,
    batch,
  );
}
