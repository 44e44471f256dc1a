/**
 * Selling a policy: the insurer picks one of its offers and a client, and for flight delay cover enters the flight
 * with its departure's and arrival's UTC offsets. "Preview" asks the API (`POST /v1/policy-previews`, the sale's own
 * code, nothing anchored) for the wording and the typed data; "Propose" makes the proposal (`POST /v1/policies`) and
 * then shows the anchored wording and the very typed data the client's wallet will be asked to sign. The two are
 * always side by side; a refusal (a departed flight, a closed sale, a cap) shows its message and code by the form.
 */
import { ApiProblem, get, post } from '../lib/api.js';
import { append, h, liveRegion, replace } from '../lib/dom.js';
import { field } from './field.js';
import { formatAmount, shortHex } from '../lib/format.js';
import type { Me, Site } from '../lib/session.js';
import type { TypedData } from '../lib/wallet.js';

interface Offer {
  id: string;
  insurer: string;
  offer: { kind: 'flight-delay' | 'weather-index'; name: string; sumInsured: string };
}

interface Preview {
  termsHash: string;
  premium: string;
  wording: string;
  typedData: TypedData;
  fixedWhenProposed: string[];
}

interface ProposalAnswer {
  proposal: { documentHash: string; policyRef: string; status: string; premium: string; href: string };
  consent: { termsCoSignature: TypedData } | null;
}

/** How long the page waits for a proposal's wording to be anchored before it shows the signature to come. */
const CONSENT_POLLS = 30;

const OFFSET_PATTERN = 'Z|[+\\-](0[0-9]|1[0-4]):[0-5][0-9]';

/** A datetime-local value and its offset as an ISO-8601 instant with that offset. */
function instant(local: string, offset: string): string {
  const seconds = local.length === 16 ? `${local}:00` : local;
  return `${seconds}${offset.trim() === '' ? 'Z' : offset.trim()}`;
}

/** The typed data as the wallet will receive it (eth_signTypedData_v4's JSON), the types apart. */
function typedDataView(typedData: TypedData, placeholders: string[]): HTMLElement {
  const shown = { domain: typedData.domain, primaryType: typedData.primaryType, message: typedData.message };
  return h(
    'div',
    {},
    placeholders.length === 0
      ? null
      : h(
          'p',
          { class: 'hint' },
          `Preview: ${placeholders.join(', ')} are fixed when the proposal is made (shown here as placeholders).`,
        ),
    h('pre', { class: 'typed-data mono', 'data-testid': 'typed-data' }, JSON.stringify(shown, null, 2)),
    h(
      'details',
      {},
      h('summary', {}, 'The EIP-712 types'),
      h('pre', { class: 'mono' }, JSON.stringify(typedData.types, null, 2)),
    ),
  );
}

function sideBySide(title: string, wording: string, typedData: TypedData, placeholders: string[]): HTMLElement {
  return h(
    'div',
    { class: 'side-by-side', role: 'group', 'aria-label': title },
    h(
      'section',
      { 'aria-labelledby': 'terms-words-title' },
      h('h3', { id: 'terms-words-title' }, 'The terms in words'),
      h('pre', { class: 'wording', 'data-testid': 'wording' }, wording),
    ),
    h(
      'section',
      { 'aria-labelledby': 'terms-signed-title' },
      h('h3', { id: 'terms-signed-title' }, 'What the client signs (EIP-712)'),
      typedDataView(typedData, placeholders),
    ),
  );
}

function problemView(error: unknown): HTMLElement {
  if (error instanceof ApiProblem) {
    return h(
      'p',
      { class: 'notice error' },
      error.message,
      ' ',
      h('span', { class: 'mono problem-code' }, `(${error.code})`),
    );
  }
  return h('p', { class: 'notice error' }, error instanceof Error ? error.message : String(error));
}

export async function saleSection(site: Site, me: Me): Promise<HTMLElement> {
  const { items } = await get<{ items: Offer[] }>('/v1/offers');
  const mine = items.filter((offer) => offer.insurer.toLowerCase() === me.account.toLowerCase());
  const section = h(
    'section',
    { id: 'sell', 'aria-labelledby': 'sell-title' },
    h('h2', { id: 'sell-title' }, 'Sell a policy'),
  );
  if (mine.length === 0) {
    append(
      section,
      h('p', { class: 'notice' }, 'You have no offers yet: define one with POST /v1/offers, then sell it here.'),
    );
    return section;
  }

  const offer = h(
    'select',
    { id: 'sale-offer', name: 'offerId' },
    mine.map((item) =>
      h(
        'option',
        { value: item.id },
        `${item.offer.name} (${item.offer.kind === 'flight-delay' ? 'flight delay' : 'weather index'}, sum insured ${formatAmount(item.offer.sumInsured)})`,
      ),
    ),
  );
  const clients = site.devParties.filter((party) => party.role === 'CLIENT');
  const client = h('input', {
    id: 'sale-client',
    name: 'client',
    required: true,
    list: 'sale-client-list',
    pattern: '0x[0-9a-fA-F]{40}',
    spellcheck: 'false',
    autocomplete: 'off',
    class: 'mono',
  });
  const clientList = h(
    'datalist',
    { id: 'sale-client-list' },
    clients.map((party) => h('option', { value: party.address }, party.legalName)),
  );
  const carrier = h('input', { id: 'sale-carrier', name: 'carrier', pattern: '[A-Za-z0-9]{2,3}', size: 4 });
  const flightNumber = h('input', { id: 'sale-flight-number', name: 'flightNumber', pattern: '[0-9]{1,4}[A-Za-z]?' });
  const origin = h('input', { id: 'sale-origin', name: 'origin', pattern: '[A-Z]{3}', placeholder: 'e.g. LHR' });
  const destination = h('input', { id: 'sale-destination', name: 'destination', pattern: '[A-Z]{3}' });
  const departure = h('input', { id: 'sale-departure', name: 'departure', type: 'datetime-local', step: 60 });
  const departureOffset = h('input', { id: 'sale-departure-offset', value: '+00:00', pattern: OFFSET_PATTERN });
  const arrival = h('input', { id: 'sale-arrival', name: 'arrival', type: 'datetime-local', step: 60 });
  const arrivalOffset = h('input', { id: 'sale-arrival-offset', value: '+00:00', pattern: OFFSET_PATTERN });
  const flightFields = h(
    'fieldset',
    { class: 'flight-fields' },
    h('legend', {}, 'The flight'),
    h(
      'div',
      { class: 'form-grid' },
      field('sale-carrier', 'Airline (IATA)', carrier),
      field('sale-flight-number', 'Flight number', flightNumber),
      field('sale-origin', 'From (IATA airport)', origin),
      field('sale-destination', 'To (IATA airport)', destination),
      field('sale-departure', 'Scheduled departure (local time)', departure),
      field('sale-departure-offset', 'Departure UTC offset', departureOffset, 'As +HH:MM or -HH:MM, or Z for UTC.'),
      field('sale-arrival', 'Scheduled arrival (local time)', arrival),
      field('sale-arrival-offset', 'Arrival UTC offset', arrivalOffset, 'As +HH:MM or -HH:MM, or Z for UTC.'),
    ),
  );
  const flightRequired = [carrier, flightNumber, departure, arrival];
  const showFlight = () => {
    const isFlight = mine.find((item) => item.id === offer.value)?.offer.kind === 'flight-delay';
    flightFields.hidden = !isFlight;
    flightRequired.forEach((input) => (input.required = isFlight));
  };
  offer.addEventListener('change', showFlight);
  showFlight();

  const problem = h('div', { id: 'sale-problem', role: 'alert', class: 'form-problem' });
  const status = liveRegion({ class: 'status', id: 'sale-status' });
  const terms = h('div', { class: 'terms-view' });
  const previewButton = h('button', { type: 'submit' }, 'Preview the terms');
  const proposeButton = h('button', { type: 'button', class: 'secondary' }, 'Propose to the client');
  const form = h(
    'form',
    { class: 'panel sale-form', 'aria-labelledby': 'sell-title' },
    field('sale-offer', 'Offer', offer),
    field('sale-client', "Client's address", client, 'An active CLIENT of the consortium.'),
    clientList,
    flightFields,
    problem,
    h('div', { class: 'actions' }, previewButton, proposeButton),
  );

  const request = (): Record<string, unknown> => {
    const body: Record<string, unknown> = { offerId: offer.value, client: client.value.trim() };
    if (!flightFields.hidden) {
      body.flight = {
        carrier: carrier.value.trim(),
        flightNumber: flightNumber.value.trim(),
        scheduledDeparture: instant(departure.value, departureOffset.value),
        scheduledArrival: instant(arrival.value, arrivalOffset.value),
        ...(origin.value.trim() === '' ? {} : { origin: origin.value.trim() }),
        ...(destination.value.trim() === '' ? {} : { destination: destination.value.trim() }),
      };
    }
    return body;
  };
  const busy = async (what: string, work: () => Promise<void>) => {
    replace(problem);
    previewButton.disabled = true;
    proposeButton.disabled = true;
    status.textContent = what;
    try {
      await work();
    } catch (error) {
      replace(problem, problemView(error));
      status.textContent = 'The API refused the terms: see the problem above the buttons.';
    } finally {
      previewButton.disabled = false;
      proposeButton.disabled = false;
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy('Asking the API for the terms…', async () => {
      const preview = await post<Preview>('/v1/policy-previews', request());
      replace(
        terms,
        h('p', {}, `Premium ${formatAmount(preview.premium)} · terms hash `, h('code', {}, preview.termsHash)),
        sideBySide('Preview of the proposal', preview.wording, preview.typedData, preview.fixedWhenProposed),
      );
      status.textContent = 'Preview ready: the terms in words beside what the client will sign.';
    });
  });
  // Terms shown for earlier values must not pass for the form's: say so as soon as a field changes.
  form.addEventListener('input', () => {
    if (terms.firstChild === null || terms.querySelector('.stale') !== null) return;
    terms.prepend(
      h('p', { class: 'notice stale' }, 'The form has changed since these terms were shown: preview them again.'),
    );
  });
  proposeButton.addEventListener('click', () => {
    if (!form.reportValidity()) return;
    void busy('Making the proposal and anchoring its wording…', async () => {
      let answer = await post<ProposalAnswer>('/v1/policies', request(), { idempotencyKey: crypto.randomUUID() });
      for (let poll = 0; answer.consent === null && poll < CONSENT_POLLS; poll += 1) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        answer = await get<ProposalAnswer>(answer.proposal.href);
      }
      const { proposal } = answer;
      const wording = await get<string>(`/v1/documents/${proposal.documentHash}/content`);
      replace(
        terms,
        h(
          'div',
          { class: 'proposal-summary' },
          h(
            'p',
            {},
            h('span', { class: 'badge warn' }, 'awaiting the client’s signature'),
            ` Proposal ${proposal.policyRef}, premium ${formatAmount(proposal.premium)}`,
          ),
          h(
            'p',
            {},
            'Wording ',
            h('code', { class: 'proposal-hash' }, proposal.documentHash),
            ' · ',
            h('a', { href: `/verify/${proposal.documentHash}` }, `Verify ${shortHex(proposal.documentHash)}`),
          ),
        ),
        answer.consent === null
          ? h('p', { class: 'notice' }, 'The wording is not anchored yet: the client signs once it is.')
          : sideBySide('The proposal', wording, answer.consent.termsCoSignature, []),
      );
      status.textContent = `Proposal ${proposal.policyRef} awaits the client's signature.`;
    });
  });

  append(section, form, status, terms);
  return section;
}
