/**
 * Proposals awaiting the client: the terms in words, then consent in the wallet — the terms co-signature, whose typed
 * data holds the terms themselves (the wallet shows the flight and each payout), and the EIP-2612 permit of the
 * premium to the risk pool — both relayed by the API, which issues the policy. The typed data is read fresh for each
 * consent (new nonce, deadline a day from the chain's time); the page signs only what the API handed out.
 */
import { describeError, get, post } from '../lib/api.js';
import { append, h, replace } from '../lib/dom.js';
import { shortHex } from '../lib/format.js';
import type { Me } from '../lib/session.js';
import { checksumAddress, requestAccount, signTypedData } from '../lib/wallet.js';
import type { IssuedPolicy, Proposal, ProposalAnswer } from './types.js';
import { money, termsInWords } from './words.js';

export interface ProposalsSection {
  element: HTMLElement;
  refresh: () => Promise<void>;
  /** Whether a proposal listed awaits the anchoring or signing of `documentHash`. */
  shows(documentHash: string | null): boolean;
}

/** Asks the wallet for the holder's two signatures and has the API issue the policy. */
async function consent(me: Me, documentHash: string, say: (text: string) => void): Promise<IssuedPolicy> {
  say('Reading what to sign…');
  const answer = await get<ProposalAnswer>(`/v1/policy-proposals/${documentHash}`);
  if (answer.consent === null) {
    throw new Error('The wording is not anchored on the ledger yet: try again in a moment');
  }
  const account = await requestAccount();
  if (account !== checksumAddress(me.account)) {
    throw new Error(`Your wallet's account ${account} is not the policyholder ${me.account}: switch accounts`);
  }
  const { termsCoSignature, permit, href } = answer.consent;
  say(`Sign the terms in your wallet (step 1 of ${permit === null ? 1 : 2})…`);
  const termsSignature = await signTypedData(account, termsCoSignature);
  let permitSignature: string | null = null;
  if (permit !== null) {
    say(`Sign the permit for the premium of ${money(answer.proposal.premium)} in your wallet (step 2 of 2)…`);
    permitSignature = await signTypedData(account, permit);
  }
  say('Your signatures are checked and relayed; the policy is being issued on the ledger…');
  return post<IssuedPolicy>(
    href,
    {
      termsSignature: {
        nonce: String(termsCoSignature.message.nonce),
        deadline: String(termsCoSignature.message.deadline),
        signature: termsSignature,
      },
      ...(permit === null || permitSignature === null
        ? {}
        : { permit: { deadline: String(permit.message.deadline), signature: permitSignature } }),
    },
    { idempotencyKey: crypto.randomUUID() },
  );
}

function issuedFacts(issued: IssuedPolicy): HTMLElement {
  const { policy } = issued;
  return h(
    'dl',
    { class: 'facts issued' },
    h('dt', {}, 'Policy'),
    h('dd', {}, policy.id),
    h('dt', {}, 'Premium paid'),
    h('dd', {}, money(policy.premium)),
    h('dt', {}, 'Pays at most'),
    h('dd', {}, money(policy.maxPayout)),
    h('dt', {}, 'Issued in'),
    h(
      'dd',
      {},
      `block ${policy.blockNumber}, transaction `,
      h('code', { title: policy.transactionHash }, shortHex(policy.transactionHash, 12, 6)),
    ),
  );
}

function proposalCard(me: Me, proposal: Proposal, onIssued: (policyId: string) => void): HTMLElement {
  const titleId = `proposal-${proposal.documentHash.slice(2, 14)}`;
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const say = (text: string, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };
  const button = h('button', { type: 'button' }, 'Co-sign and pay in your wallet');
  const card = h(
    'article',
    { class: 'panel proposal', 'aria-labelledby': titleId, 'data-document': proposal.documentHash },
    h(
      'h3',
      { id: titleId },
      `${proposal.kind === 'flight' ? 'Flight delay' : 'Weather index'} ${proposal.purpose === 'endorse' ? 'endorsement' : 'policy'} ${proposal.policyRef}`,
    ),
    proposal.previousPolicyId === null ? null : h('p', {}, `Replaces policy ${proposal.previousPolicyId}.`),
    h(
      'ul',
      { class: 'terms' },
      termsInWords(proposal.kind, proposal.terms).map((sentence) => h('li', {}, sentence)),
    ),
    h(
      'p',
      { class: 'hint' },
      `Your wallet asks for two signatures: the terms above, exactly as the policy's wording (document `,
      h('code', { title: proposal.documentHash }, shortHex(proposal.documentHash)),
      `) states them, and a permit letting the risk pool take the premium due, ${money(proposal.premiumDue)}.`,
    ),
    button,
    status,
  );
  button.addEventListener('click', () => {
    button.disabled = true;
    say('');
    consent(me, proposal.documentHash, (text) => say(text)).then(
      (issued) => {
        button.remove();
        say(`Policy ${issued.policy.id} is issued.`);
        append(card, issuedFacts(issued));
        onIssued(issued.policy.id);
      },
      (error: unknown) => {
        button.disabled = false;
        say(describeError(error), true);
      },
    );
  });
  return card;
}

export function proposalsSection(me: Me, onIssued: (policyId: string) => void): ProposalsSection {
  const list = h('div', { class: 'proposals' });
  const element = h(
    'section',
    { 'aria-labelledby': 'proposals-title' },
    h('h2', { id: 'proposals-title' }, 'Proposals awaiting your signature'),
    list,
  );
  /** Proposal cards by document hash: a card being signed, or issued on this page, stays as it is. */
  const cards = new Map<string, HTMLElement>();
  const issuedHere = new Set<string>();
  let waiting = new Set<string>();
  return {
    element,
    shows: (documentHash) => documentHash !== null && waiting.has(documentHash.toLowerCase()),
    async refresh() {
      const { items } = await get<{ items: Proposal[] }>('/v1/policy-proposals?status=awaiting-consent');
      waiting = new Set(items.map((proposal) => proposal.documentHash.toLowerCase()));
      for (const proposal of items) {
        if (!cards.has(proposal.documentHash)) {
          cards.set(
            proposal.documentHash,
            proposalCard(me, proposal, (policyId) => {
              issuedHere.add(proposal.documentHash);
              onIssued(policyId);
            }),
          );
        }
      }
      for (const documentHash of cards.keys()) {
        if (!waiting.has(documentHash.toLowerCase()) && !issuedHere.has(documentHash)) cards.delete(documentHash);
      }
      const shown = [...cards.values()];
      replace(list, shown.length === 0 ? h('p', { class: 'hint' }, 'No proposal awaits your signature.') : shown);
    },
  };
}
