/**
 * The certificate check: an evidence certificate (a JSON file as `GET /v1/certificates/{hash}` gives it) dropped or
 * chosen here is read and checked in the browser, offline and against the chain; the result says whether it holds and,
 * when not, which check failed and why.
 */
import { describeError } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import type { BrowserCertificateCheck } from './certificate-check.js';
import { dropZone } from './drop-zone.js';
import { stepItem, text, type ReportStep } from './report.js';

/** A certificate is a few KiB; anything far larger is not one. */
const MAX_CERTIFICATE_BYTES = 1024 * 1024;

/** Why a step failed, in words, from the facts the checker gives. */
function stepWhy(step: ReportStep): string {
  const d = step.details;
  if (Array.isArray(d.issues)) {
    return (d.issues as { path: string; message: string }[])
      .slice(0, 5)
      .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
      .join('; ');
  }
  if (typeof d.reason === 'string') return d.reason;
  if (Array.isArray(d.signers)) {
    const odd = (d.signers as Record<string, unknown>[]).filter(
      (signer) => !['valid', 'confirmed', 'signed since issue'].includes(text(signer.result)),
    );
    if (odd.length > 0)
      return odd.map((signer) => `${text(signer.signer)}: ${text(signer.reason ?? signer.result)}`).join('; ');
  }
  if (step.status === 'failed' && typeof d.certified === 'object' && d.certified !== null) {
    return 'the chain records it elsewhere than the certificate says';
  }
  return '';
}

function stepsList(steps: ReportStep[], label: string): HTMLElement {
  return h(
    'ol',
    { class: 'steps', 'aria-label': label },
    steps.map((step) => {
      const why = stepWhy(step);
      return stepItem(step, why === '' ? [] : [why], 'h5');
    }),
  );
}

function resultBlock(check: BrowserCertificateCheck): HTMLElement {
  const failed = [...check.offline.steps, ...(check.chain?.steps ?? [])].filter((step) => step.status === 'failed');
  const block = h(
    'section',
    {
      id: 'certificate-result',
      class: `panel verdict ${check.valid ? 'ok' : 'bad'}`,
      'data-valid': String(check.valid),
      'aria-labelledby': 'certificate-result-title',
    },
    h(
      'h3',
      { id: 'certificate-result-title' },
      check.valid ? 'Certificate verified against the chain' : 'Certificate refused',
    ),
  );
  if (check.offline.documentHash !== null) append(block, h('p', { class: 'mono hash' }, check.offline.documentHash));
  if (!check.valid) {
    append(
      block,
      h(
        'ul',
        { class: 'reasons' },
        failed.map((step) => h('li', {}, `${step.title}: ${stepWhy(step) || 'failed'}`)),
      ),
    );
  }
  if (check.chain?.verdict != null) append(block, h('p', {}, `The chain's verdict today: ${check.chain.verdict}.`));
  append(block, h('h4', {}, 'Checked without the chain'), stepsList(check.offline.steps, 'Checks without the chain'));
  if (check.chain !== null) {
    append(block, h('h4', {}, 'Checked against the chain'), stepsList(check.chain.steps, 'Checks against the chain'));
    if (check.chain.error !== undefined) append(block, h('p', { class: 'error' }, check.chain.error));
  }
  return block;
}

export function certificatePanel(): HTMLElement {
  const status = liveRegion({ class: 'status', id: 'certificate-status' });
  const result = h('div', { id: 'certificate-output' });

  async function check(file: File): Promise<void> {
    replace(result);
    if (file.size > MAX_CERTIFICATE_BYTES) {
      status.textContent = `${file.name} is ${file.size} bytes: too large to be an evidence certificate.`;
      return;
    }
    let certificate: unknown;
    try {
      certificate = JSON.parse(await file.text());
    } catch {
      status.textContent = `${file.name} is not JSON: an evidence certificate is a JSON file.`;
      return;
    }
    status.textContent = 'Checking the certificate against the chain…';
    try {
      const { checkCertificate } = await import('./certificate-check.js');
      const outcome = await checkCertificate(certificate);
      append(result, resultBlock(outcome));
      status.textContent = outcome.valid
        ? 'Certificate verified against the chain.'
        : 'Certificate refused: see why below.';
    } catch (error) {
      status.textContent = `The certificate could not be checked: ${describeError(error)}`;
    }
  }

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'certificate-title' },
    h('h2', { id: 'certificate-title' }, 'Check an evidence certificate'),
    h(
      'p',
      {},
      'A certificate is checked in this browser: its signatures and proofs, then each fact it states against the chain itself (read through this site, not taken from its reports).',
    ),
    dropZone({
      id: 'certificate-file',
      label: 'Choose a certificate',
      hint: 'Drop a certificate (.json) here, or',
      accept: '.json,application/json',
      onFile: (file) => void check(file),
    }),
    status,
    result,
  );
}
