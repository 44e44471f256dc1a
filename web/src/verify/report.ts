/**
 * The verification report as a page shows it: the verdict (on `#verdict`, with `data-verdict` that other pages' tests
 * key on) and then each step, appended one after the other in the report's order to a list a screen reader follows.
 * The facts come from the API's public report (`GET /v1/verify/{documentHash}`); this module only words them.
 */
import { append, h } from '../lib/dom.js';
import { formatBytes, formatTime } from '../lib/format.js';

export type Verdict = 'anchored-current' | 'superseded' | 'revoked' | 'unknown';
export type StepStatus = 'passed' | 'failed' | 'skipped' | 'warning';

export interface ReportStep {
  code: string;
  title: string;
  status: StepStatus;
  details: Record<string, unknown>;
}

export interface VerificationReport {
  documentHash: string;
  verdict: Verdict;
  checkedAt: string;
  chainId: string;
  asOfBlock: number;
  steps: ReportStep[];
}

/** What the page knows of the bytes: hashed here (size) or only the hash of a link. */
export type HashSource = { hashedHere: true; size: number; name: string } | { hashedHere: false };

/** The pause between two steps appearing, so a reader sees (and hears) them arrive in order. */
const STEP_PAUSE_MS = 120;

const VERDICT_WORDS: Record<Verdict, { attribute: string; heading: string; badge: string }> = {
  'anchored-current': { attribute: 'current', heading: 'Anchored and current', badge: 'ok' },
  superseded: { attribute: 'superseded', heading: 'Superseded by a later version', badge: 'warn' },
  revoked: { attribute: 'revoked', heading: 'Revoked', badge: 'bad' },
  unknown: { attribute: 'unknown', heading: 'Unknown: this ledger has no anchor of this document', badge: 'muted' },
};

const STATUS_WORDS: Record<StepStatus, { text: string; badge: string; item: string | null }> = {
  passed: { text: 'passed', badge: 'ok', item: 'ok' },
  failed: { text: 'failed', badge: 'bad', item: 'bad' },
  warning: { text: 'attention', badge: 'warn', item: 'pending' },
  skipped: { text: 'not applicable', badge: 'muted', item: null },
};

/** A fact of a step as text ('—' when absent). */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A hash with a link to its own verification. */
function hashLink(hash: unknown): HTMLElement {
  return h('a', { href: `/verify/${text(hash)}`, class: 'mono hash' }, text(hash));
}

function where(details: Record<string, unknown>): (string | Node)[] {
  return [
    `${formatTime(text(details.time))}, block ${text(details.blockNumber)}, transaction `,
    h('span', { class: 'mono hash' }, text(details.transactionHash)),
  ];
}

function revocationReason(reason: unknown): string {
  return text(reason)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** The verdict block: its heading and, for a superseded or revoked document, where to go or why. */
export function verdictBlock(report: VerificationReport): HTMLElement {
  const words = VERDICT_WORDS[report.verdict];
  const version = report.steps.find((step) => step.code === 'VERSION_STATUS')?.details ?? {};
  const block = h(
    'section',
    {
      id: 'verdict',
      class: `panel verdict ${words.badge}`,
      'data-verdict': words.attribute,
      'aria-labelledby': 'verdict-title',
    },
    h('h2', { id: 'verdict-title' }, words.heading),
    h('p', { class: 'mono hash' }, report.documentHash),
  );
  if (report.verdict === 'superseded') {
    const current = version.currentVersion ?? version.latestVersion;
    append(block, h('p', {}, 'The current version is ', hashLink(current), '.'));
  } else if (report.verdict === 'revoked') {
    append(
      block,
      h(
        'p',
        { class: 'revocation' },
        `Reason: ${revocationReason(version.reason)}; revoked ${formatTime(text(version.revokedAt))}.`,
      ),
    );
  } else if (report.verdict === 'unknown') {
    append(
      block,
      h('p', { class: 'hint' }, 'Check that this is the exact file: changing a single byte changes its hash.'),
    );
  }
  append(
    block,
    h(
      'p',
      { class: 'hint' },
      `Chain ${report.chainId}, as of block ${report.asOfBlock}; checked ${formatTime(report.checkedAt)}.`,
    ),
  );
  return block;
}

function stepBody(step: ReportStep, source: HashSource): (string | Node)[] {
  const d = step.details;
  switch (step.code) {
    case 'HASH_COMPUTED':
      return source.hashedHere
        ? [
            `SHA-256 of ${source.name} (${formatBytes(source.size)}), computed in this browser: the file was not sent anywhere.`,
          ]
        : ['The hash was taken from the link; no file was hashed.'];
    case 'ANCHOR_FOUND':
      if (step.status !== 'passed') return [text(d.reason)];
      return d.via === 'batch' ? ['Anchored in a batch, ', ...where(d), '.'] : ['Anchored ', ...where(d), '.'];
    case 'REGISTRANT_AUTHORISED':
      if (step.status === 'skipped') return [text(d.reason)];
      return [
        'Registered by ',
        h('span', { class: 'mono hash' }, text(d.account)),
        `, at block ${text(d.atBlock)} ${d.active === true ? 'an active' : 'an inactive'} party with roles ${(d.roles as string[] | undefined)?.join(', ') || 'none'}.`,
      ];
    case 'COSIGNATURES': {
      if (step.status === 'skipped') return [text(d.reason)];
      const signers = (d.signers as Record<string, unknown>[] | undefined) ?? [];
      if (signers.length === 0) return ['No co-signature was required.'];
      return [
        `${text(d.signed)} of ${text(d.required)} required co-signatures recorded.`,
        h(
          'ul',
          { class: 'signers' },
          signers.map((signer) =>
            h(
              'li',
              {},
              h('span', { class: 'mono hash' }, text(signer.signer)),
              signer.state === 'signed'
                ? [': signed ', ...where({ ...signer, time: signer.signedAt })]
                : ': not signed yet',
            ),
          ),
        ),
      ];
    }
    case 'VERSION_STATUS': {
      if (step.status === 'skipped' || d.version === undefined) return [text(d.reason ?? d.state)];
      const parts: (string | Node)[] = [`Version ${text(d.version)} of its chain.`];
      if (d.previousVersion !== null && d.previousVersion !== undefined) {
        parts.push(' Previous version: ', hashLink(d.previousVersion), '.');
      }
      if (d.state === 'superseded') {
        parts.push(
          ' Replaced by ',
          hashLink(d.nextVersion),
          '; current version: ',
          hashLink(d.currentVersion ?? d.latestVersion),
          '.',
        );
      } else if (d.state === 'revoked') {
        parts.push(
          ` Revoked ${formatTime(text(d.revokedAt))} by `,
          h('span', { class: 'mono hash' }, text(d.revokedBy)),
          `: ${revocationReason(d.reason)}.`,
        );
      } else {
        parts.push(' It is the current version.');
      }
      return parts;
    }
    case 'BATCH_MEMBERSHIP':
      if (step.status !== 'passed') return [text(d.reason)];
      return [
        `Member of a batch of ${text(d.documentCount)} documents, root `,
        h('span', { class: 'mono hash' }, text(d.merkleRoot)),
        `, proof of ${(d.proof as unknown[] | undefined)?.length ?? 0} nodes; the root was anchored `,
        ...where(d),
        '.',
      ];
    default:
      return [JSON.stringify(d)];
  }
}

/** One step as a list item: its title, its status in words, and the facts it looked at. */
export function stepItem(step: ReportStep, body: (string | Node)[], heading: 'h3' | 'h5' = 'h3'): HTMLLIElement {
  const status = STATUS_WORDS[step.status];
  return h(
    'li',
    { class: status.item, 'data-step': step.code, 'data-status': step.status },
    h(heading, {}, step.title, ' ', h('span', { class: `badge ${status.badge}` }, status.text)),
    h('div', { class: 'step-body' }, body),
  );
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends the report's steps to `list` one after the other; stops when `signal` aborts (a newer check began). */
export async function revealSteps(
  list: HTMLElement,
  report: VerificationReport,
  source: HashSource,
  signal: AbortSignal,
): Promise<void> {
  for (const step of report.steps) {
    if (signal.aborted) return;
    const shown = step.code === 'HASH_COMPUTED' && source.hashedHere ? { ...step, status: 'passed' as const } : step;
    list.appendChild(stepItem(shown, stepBody(shown, source)));
    await pause(STEP_PAUSE_MS);
  }
}
