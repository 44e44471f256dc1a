/**
 * The client's credit in the risk pool: a payout whose transfer the stablecoin refused is held for the holder to
 * claim (`GET /v1/credits`); the Claim button has it paid (`POST /v1/credits/claim`).
 */
import { describeError, get, post } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';
import { shortHex } from '../lib/format.js';
import { money } from './words.js';

export interface CreditsSection {
  element: HTMLElement;
  refresh: () => Promise<void>;
}

export function creditsSection(): CreditsSection {
  const body = h('div', {});
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const element = h(
    'section',
    { 'aria-labelledby': 'credits-title' },
    h('h2', { id: 'credits-title' }, 'Credits'),
    body,
    status,
  );
  const claim = (button: HTMLButtonElement) => {
    button.disabled = true;
    status.classList.remove('error');
    status.textContent = 'Claiming your credit on the ledger…';
    post<{ claim: { amount: string; transactionHash: string } }>('/v1/credits/claim', {}).then(
      ({ claim: claimed }) => {
        status.textContent = `${money(claimed.amount)} paid to you in transaction ${shortHex(claimed.transactionHash)}.`;
        void section.refresh();
      },
      (error: unknown) => {
        button.disabled = false;
        status.textContent = describeError(error);
        status.classList.add('error');
      },
    );
  };
  const section: CreditsSection = {
    element,
    async refresh() {
      const { credit } = await get<{ credit: string }>('/v1/credits');
      if (BigInt(credit) === 0n) {
        replace(body, h('p', { class: 'hint' }, 'Nothing to claim: every payout reached you.'));
        return;
      }
      const button = h('button', { type: 'button' }, `Claim ${money(credit)}`);
      button.addEventListener('click', () => claim(button));
      replace(
        body,
        h(
          'p',
          {},
          `${money(credit)} is held for you: a payout's transfer to you failed, so the pool kept it to claim.`,
        ),
        button,
      );
    },
  };
  return section;
}
