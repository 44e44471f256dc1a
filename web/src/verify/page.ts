/**
 * The verify page: a document dropped or chosen is hashed here (it never leaves the browser), then the ledger's public
 * report of that hash is shown: the verdict, then its steps in order. `/verify/<hash>` shows the report of a hash
 * directly, so a verification can be shared as a link. A certificate dropped in the second zone is checked in the
 * browser against the chain (its checker is loaded only then).
 */
import { describeError, get } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import { formatBytes } from '../lib/format.js';
import { certificatePanel } from './certificate-panel.js';
import { dropZone } from './drop-zone.js';
import { hashFile } from './hash.js';
import { revealSteps, verdictBlock, type HashSource, type VerificationReport } from './report.js';
import './verify.css';

const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/;

/** The hash a `/verify/<hash>` link names, or null on `/verify`. */
function hashInPath(): string | null {
  const match = /^\/verify\/([^/]+)\/?$/.exec(location.pathname);
  return match === null ? null : decodeURIComponent(match[1]!);
}

export function verifyPage(main: HTMLElement): void {
  const status = liveRegion({ class: 'status', id: 'verify-status' });
  const progress = h('progress', {
    id: 'hash-progress',
    max: 1,
    value: 0,
    hidden: true,
    'aria-label': 'Hashing progress',
  });
  const result = h('div', { id: 'verify-result' });
  let running: AbortController | null = null;

  async function show(documentHash: string, source: HashSource): Promise<void> {
    // A newer check replaces this one: its request is let finish (an aborted request reads as a failure) and ignored.
    running?.abort();
    const controller = new AbortController();
    running = controller;
    replace(result);
    status.textContent = 'Asking the ledger…';
    try {
      const report = await get<VerificationReport>(`/v1/verify/${documentHash}`);
      if (controller.signal.aborted) return;
      const verdict = verdictBlock(report);
      const verdictText = verdict.querySelector('h2')!.textContent;
      status.textContent = `Verdict: ${verdictText}. The checks follow.`;
      const steps = h('ol', {
        class: 'steps',
        id: 'verify-steps',
        'aria-live': 'polite',
        'aria-label': 'Verification steps',
      });
      const share = h(
        'p',
        { class: 'share' },
        'Link to this verification: ',
        h(
          'a',
          { href: `/verify/${report.documentHash}`, id: 'share-link' },
          `${location.origin}/verify/${report.documentHash}`,
        ),
      );
      append(
        result,
        verdict,
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'steps-title' },
          h('h2', { id: 'steps-title' }, 'What was checked'),
          steps,
        ),
        share,
      );
      if (report.verdict !== 'unknown') {
        append(
          result,
          h(
            'a',
            {
              class: 'button',
              id: 'download-certificate',
              href: `/v1/certificates/${report.documentHash}`,
              download: `certificate-${report.documentHash}.json`,
            },
            'Download the evidence certificate',
          ),
        );
      }
      await revealSteps(steps, report, source, controller.signal);
      if (!controller.signal.aborted)
        status.textContent = `Verdict: ${verdictText}. All ${report.steps.length} checks shown.`;
    } catch (error) {
      if (controller.signal.aborted) return;
      status.textContent = `The ledger could not be asked: ${describeError(error)}`;
    }
  }

  async function verifyFile(file: File): Promise<void> {
    running?.abort();
    replace(result);
    progress.hidden = false;
    progress.max = Math.max(1, file.size);
    progress.value = 0;
    status.textContent = `Hashing ${file.name} (${formatBytes(file.size)}) in this browser…`;
    try {
      const documentHash = await hashFile(file, (hashed) => {
        progress.value = hashed;
      });
      history.pushState(null, '', `/verify/${documentHash}`);
      await show(documentHash, { hashedHere: true, size: file.size, name: file.name });
    } catch (error) {
      status.textContent = `The file could not be read: ${describeError(error)}`;
    }
  }

  function fromLocation(): void {
    const linked = hashInPath();
    if (linked === null) {
      running?.abort();
      replace(result);
      status.textContent = '';
    } else if (HASH_PATTERN.test(linked)) {
      void show(linked.toLowerCase(), { hashedHere: false });
    } else {
      replace(result);
      status.textContent = `This link does not name a document hash (0x and 64 hex digits): ${linked.slice(0, 80)}`;
    }
  }

  append(
    main,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'document-title' },
      h('h2', { id: 'document-title' }, 'Check a document'),
      h(
        'p',
        {},
        'Its SHA-256 fingerprint is computed in this browser and only the fingerprint is looked up: the file itself is never sent.',
      ),
      dropZone({
        id: 'document-file',
        label: 'Choose a document',
        hint: 'Drop a document here, or',
        onFile: (file) => void verifyFile(file),
      }),
      progress,
      status,
    ),
    result,
    certificatePanel(),
  );
  window.addEventListener('popstate', fromLocation);
  fromLocation();
}
