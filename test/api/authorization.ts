/**
 * The authorisation matrix: every endpoint of the OpenAPI document × every kind of caller (each role, the registrant
 * and a non-registrant of the same role, a deactivated party, no credentials), each allowed or refused with the right
 * status and problem code. A new endpoint without a row fails the first test.
 */
import { expect } from 'chai';
import { Wallet } from 'ethers';
import { sendGovernanceAction, type GovernanceAction } from '../../services/ledger/governance.js';
import { OracleHub__factory } from '../../types/ethers-contracts/index.js';
import { startTestLedger, type TestLedger } from '../helpers/api-chain.js';
import { createApiKey, signedSiweMessage, signIn, postSignIn } from '../helpers/api-client.js';
import {
  ADMIN,
  AUDITOR,
  call,
  CLIENT,
  clientCoSignature,
  eventually,
  INACTIVE,
  INSURER,
  ORACLE,
  OTHER_INSURER,
  policyMetadata,
  registerTarget,
  REINSURER,
  startMatrixStack,
  uniqueBytes,
  uploadForm,
  type MatrixStack,
  type Registration,
} from './matrix-stack.js';
import {
  defineFlightOffer,
  FLIGHT_OFFER,
  flightPolicyRequest,
  proposeFlight,
  sellFlight,
  walletConsent,
  type ProposalAnswer,
} from './policies/sales-fixtures.js';
import { matrixPolicy } from './policies/read-matrix.js';
const CALLERS = {
  none: undefined,
  admin: ADMIN,
  insurer: INSURER,
  otherInsurer: OTHER_INSURER,
  reinsurer: REINSURER,
  client: CLIENT,
  oracle: ORACLE,
  auditor: AUDITOR,
  inactive: INACTIVE,
} as const;
type CallerName = keyof typeof CALLERS;
const CALLER_NAMES = Object.keys(CALLERS) as CallerName[];

/** An expected answer: an exact status, or a refusal with its problem code. */
type Expected = number | { status: number; code: string };

interface Row {
  method: 'get' | 'post' | 'delete';
  /** The OpenAPI path, e.g. `/v1/documents/{hash}`. */
  path: string;
  /** Makes the call as `caller` (`party` undefined = no credentials). */
  call(caller: CallerName, authorization: string | undefined): Promise<Response>;
  expected(caller: CallerName): Expected;
}

const refused = (status: number, code: string): Expected => ({ status, code });
const UNAUTHENTICATED = refused(401, 'UNAUTHENTICATED');
const INACTIVE_PARTY = refused(403, 'PARTY_INACTIVE');

/** Anyone, with or without credentials. */
const open = (status: number) => (): Expected => status;
/** Any active party; `parties` gives the answer for each (default `status`). */
function parties(status: Expected, overrides: Partial<Record<CallerName, Expected>> = {}) {
  return (caller: CallerName): Expected => {
    if (caller === 'none') return UNAUTHENTICATED;
    if (caller === 'inactive') return INACTIVE_PARTY;
    return overrides[caller] ?? status;
  };
}
/** Only the active parties listed in `allowed`; the others refused with `refusal`. */
function only(allowed: Partial<Record<CallerName, Expected>>, refusal: Expected) {
  return parties(refusal, allowed);
}
const roleRequired = refused(403, 'ROLE_REQUIRED');
/** A party the target does not name (nor an auditor): to it the document does not exist, on every route. */
const notVisible = refused(404, 'DOCUMENT_NOT_FOUND');
/** The parties the target names besides its registrant (a reader, a required signer), refused with `code`. */
const seesButNot = (code: string) => ({ reinsurer: refused(403, code), client: refused(403, code) });
describe('authorisation matrix', function () {
  this.timeout(300_000);
  let ledger: TestLedger;
  let stack: MatrixStack;
  let target: Registration;
  let certificate: unknown;

  before(async function () {
    this.timeout(300_000);
    ledger = await startTestLedger();
    stack = await startMatrixStack(ledger);
    target = await registerTarget(stack);
    // The certificate comes from the index, which follows the chain a moment later.
    certificate = await eventually('the target indexed', async () => {
      const answer = await fetch(`${stack.url}/v1/certificates/${target.documentHash}`);
      return answer.status === 200 ? ((await answer.json()) as unknown) : undefined;
    });
  });

  after(async function () {
    await stack?.close();
    await ledger?.stop();
  });

  const on = (path: string) => path.replace('{hash}', target.documentHash);

  /** A fresh anchored target for a call that changes it, when the call is expected to succeed. */
  async function targetFor(caller: CallerName, succeeds: boolean): Promise<Registration> {
    return succeeds ? registerTarget(stack, `fresh for ${caller}`) : target;
  }
  const UNKNOWN_FEED = `0x${'fe'.repeat(32)}`;
  const NO_FEED = refused(404, 'FEED_NOT_FOUND');
  /** A fresh proposal (of a harmless call) by local ADMIN `proposer`, approved by `approver` when given. */
  async function governed(parties: { proposer: number; approver?: number }): Promise<bigint> {
    const as = (party: number) => ({ ...ledger, signer: ledger.parties[party]!.signer });
    const data = OracleHub__factory.createInterface().encodeFunctionData('setConsumer', [stack.address(CLIENT), false]);
    const propose: GovernanceAction = { kind: 'propose', target: ledger.deployment.oracleHub, data };
    const { proposalId } = await sendGovernanceAction(as(parties.proposer), propose);
    if (parties.approver !== undefined)
      await sendGovernanceAction(as(parties.approver), { kind: 'approve', proposalId });
    return proposalId;
  }
  /** Offers, proposals and policies sold through the API, made once and reused, or fresh for a call that uses one up. */
  const sales = (() => {
    let offer: Promise<string> | undefined;
    let proposal: Promise<ProposalAnswer> | undefined;
    let policy: Promise<string> | undefined;
    const insurerAuth = () => stack.auth.get(INSURER)!;
    const freshProposal = async () =>
      proposeFlight(call, stack, ledger.provider, insurerAuth(), await sales.offer(), stack.address(CLIENT));
    const freshPolicy = async () =>
      sellFlight(
        call,
        stack,
        ledger.provider,
        { insurer: insurerAuth(), holder: stack.auth.get(CLIENT)! },
        await sales.offer(),
        stack.wallet(CLIENT),
      );
    return {
      offer: () => (offer ??= defineFlightOffer(call, stack, insurerAuth())),
      proposal: () => (proposal ??= freshProposal()),
      policy: () => (policy ??= freshPolicy()),
      freshProposal,
      freshPolicy,
    };
  })();
  const rows: Row[] = [
    // System
    { method: 'get', path: '/health', call: (_c, a) => call(stack, a, 'GET', '/health'), expected: open(200) },
    { method: 'get', path: '/ready', call: (_c, a) => call(stack, a, 'GET', '/ready'), expected: open(200) },
    { method: 'get', path: '/metrics', call: (_c, a) => call(stack, a, 'GET', '/metrics'), expected: open(200) },
    {
      method: 'get',
      path: '/openapi.json',
      call: (_c, a) => call(stack, a, 'GET', '/openapi.json'),
      expected: open(200),
    },
    { method: 'get', path: '/docs', call: (_c, a) => call(stack, a, 'GET', '/docs'), expected: open(200) },
    // Identity
    {
      method: 'post',
      path: '/v1/auth/nonce',
      call: (_c, a) => call(stack, a, 'POST', '/v1/auth/nonce'),
      expected: open(201),
    },
    {
      method: 'post',
      path: '/v1/auth/siwe',
      // Each caller signs in with its own wallet; "none" with a wallet that is no party.
      call: async (caller) => {
        const party = CALLERS[caller];
        const wallet = party === undefined ? Wallet.createRandom() : stack.wallet(party);
        return postSignIn(stack.url, await signedSiweMessage(stack.url, wallet));
      },
      expected: (caller) => (caller === 'none' || caller === 'inactive' ? INACTIVE_PARTY : 200),
    },
    {
      method: 'post',
      path: '/v1/auth/sign-out',
      call: (_c, a) => call(stack, a, 'POST', '/v1/auth/sign-out'),
      expected: open(204),
    },
    { method: 'get', path: '/v1/me', call: (_c, a) => call(stack, a, 'GET', '/v1/me'), expected: parties(200) },
    // Web pages: what a page asks before anyone signs in.
    { method: 'get', path: '/v1/site', call: (_c, a) => call(stack, a, 'GET', '/v1/site'), expected: open(200) },
    { method: 'get', path: '/v1/session', call: (_c, a) => call(stack, a, 'GET', '/v1/session'), expected: open(200) },
    {
      method: 'post',
      path: '/v1/api-keys',
      // With an API key: keys are made by a wallet's session only.
      call: (_c, a) => call(stack, a, 'POST', '/v1/api-keys', { label: 'matrix' }),
      expected: parties(refused(403, 'SESSION_REQUIRED')),
    },
    {
      method: 'get',
      path: '/v1/api-keys',
      call: (_c, a) => call(stack, a, 'GET', '/v1/api-keys'),
      expected: parties(200),
    },
    {
      method: 'delete',
      path: '/v1/api-keys/{id}',
      // A spare key of the insurer's: only the insurer finds it (and revokes it); for anyone else it does not exist.
      call: async (_c, a) => {
        const spare = await createApiKey(stack.url, await signIn(stack.url, stack.wallet(INSURER)), 'spare');
        return call(stack, a, 'DELETE', `/v1/api-keys/${spare.id}`);
      },
      expected: parties(refused(404, 'API_KEY_NOT_FOUND'), { insurer: 200 }),
    },
    {
      method: 'post',
      path: '/v1/dev/sign-in',
      // Development only: the embedded local stack alone serves it, so this API (not embedded) has no such route.
      call: (_c, a) => call(stack, a, 'POST', '/v1/dev/sign-in', { party: 'insurer' }),
      expected: () => refused(404, 'NOT_FOUND'),
    },
    // Documents
    {
      method: 'post',
      path: '/v1/documents',
      call: (caller, a) =>
        call(stack, a, 'POST', '/v1/documents', uploadForm(policyMetadata(), uniqueBytes(`register by ${caller}`))),
      expected: only({ insurer: 202, otherInsurer: 202, reinsurer: 202 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/documents',
      call: (_c, a) => call(stack, a, 'GET', '/v1/documents?limit=100'),
      expected: parties(200),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}')),
      expected: only({ insurer: 200, reinsurer: 200, client: 200, auditor: 200 }, refused(404, 'DOCUMENT_NOT_FOUND')),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/content',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/content')),
      // Visible but not a reader: 403 NOT_A_READER; not visible at all: 404, as for an unknown document.
      expected: only(
        {
          insurer: 200,
          reinsurer: 200,
          client: refused(403, 'NOT_A_READER'),
          auditor: refused(403, 'NOT_A_READER'),
        },
        refused(404, 'DOCUMENT_NOT_FOUND'),
      ),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/typed-data',
      call: (_c, a) =>
        call(stack, a, 'GET', `${on('/v1/documents/{hash}/typed-data')}?signer=${stack.address(CLIENT)}`),
      expected: only({ insurer: 200, client: 200 }, refused(403, 'NOT_SIGNER_OR_REGISTRANT')),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/cosignatures',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer' || caller === 'client');
        const signed = await clientCoSignature(stack, document.documentHash);
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/cosignatures`, signed);
      },
      expected: only({ insurer: 202, client: 202 }, refused(403, 'NOT_SIGNER_OR_REGISTRANT')),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/versions',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer');
        const form = uploadForm(policyMetadata(), uniqueBytes(`version by ${caller}`));
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/versions`, form);
      },
      expected: only(
        { insurer: 202, otherInsurer: refused(403, 'NOT_REGISTRANT'), reinsurer: refused(403, 'NOT_REGISTRANT') },
        roleRequired,
      ),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/revocation',
      call: async (caller, a) => {
        const document = await targetFor(caller, caller === 'insurer');
        return call(stack, a, 'POST', `/v1/documents/${document.documentHash}/revocation`, {
          reason: 'IssuedInError',
        });
      },
      expected: only(
        { insurer: 202, otherInsurer: refused(403, 'NOT_REGISTRANT'), reinsurer: refused(403, 'NOT_REGISTRANT') },
        roleRequired,
      ),
    },
    {
      method: 'get',
      path: '/v1/operations/{id}',
      call: (_c, a) => call(stack, a, 'GET', target.operation.href),
      expected: only({ insurer: 200 }, refused(404, 'OPERATION_NOT_FOUND')),
    },
    // Public verification
    {
      method: 'get',
      path: '/v1/verify/{documentHash}',
      call: (_c, a) => call(stack, a, 'GET', `/v1/verify/${target.documentHash}`),
      expected: open(200),
    },
    {
      method: 'post',
      path: '/v1/verify',
      call: (_c, a) => {
        const form = new FormData();
        form.append('file', new Blob([Buffer.from(uniqueBytes('unknown'))]), 'any.pdf');
        return call(stack, a, 'POST', '/v1/verify', form);
      },
      expected: open(200),
    },
    {
      method: 'get',
      path: '/v1/certificates/{documentHash}',
      call: (_c, a) => call(stack, a, 'GET', `/v1/certificates/${target.documentHash}`),
      expected: open(200),
    },
    {
      method: 'post',
      path: '/v1/certificates/verify',
      call: (_c, a) => call(stack, a, 'POST', '/v1/certificates/verify', { certificate }),
      expected: open(200),
    },
    {
      method: 'post',
      path: '/v1/chain/rpc',
      call: (_c, a) => call(stack, a, 'POST', '/v1/chain/rpc', { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }),
      expected: open(200),
    },
    // Records
    {
      method: 'get',
      path: '/v1/access-log',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log'),
      expected: only({ insurer: 200, otherInsurer: 200, reinsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/access-log/verification',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log/verification'),
      expected: only({ insurer: 200, otherInsurer: 200, reinsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/access-log/export',
      call: (_c, a) => call(stack, a, 'GET', '/v1/access-log/export'),
      expected: only({ auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/retention',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/retention')),
      expected: only({ insurer: 200, auditor: 200, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/legal-hold',
      call: (_c, a) => call(stack, a, 'POST', on('/v1/documents/{hash}/legal-hold'), { reason: 'matrix hold' }),
      expected: only({ insurer: 201, auditor: 201, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'delete',
      path: '/v1/documents/{hash}/legal-hold',
      // After the row above: the registrant and the auditor each lift their own hold.
      call: (_c, a) => call(stack, a, 'DELETE', on('/v1/documents/{hash}/legal-hold')),
      expected: only({ insurer: 200, auditor: 200, ...seesButNot('NOT_REGISTRANT_OR_AUDITOR') }, notVisible),
    },
    {
      method: 'post',
      path: '/v1/documents/{hash}/erasure',
      call: (_c, a) => call(stack, a, 'POST', on('/v1/documents/{hash}/erasure')),
      // The registrant passes the authorisation and meets the retention rule (property, 15 years after cover).
      expected: only(
        {
          ...seesButNot('NOT_REGISTRANT'),
          auditor: refused(403, 'NOT_REGISTRANT'),
          insurer: refused(409, 'RETENTION_ACTIVE'),
        },
        notVisible,
      ),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/wrapped-key',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/wrapped-key')),
      expected: only(
        { insurer: 200, reinsurer: 200, client: refused(403, 'NOT_A_READER'), auditor: refused(403, 'NOT_A_READER') },
        notVisible,
      ),
    },
    // The matrix's ADMIN (party 0) has no key hosted by the API: its actions answer the unsigned transaction (200),
    // checked against the chain first. Proposals it acts on are made by the local ADMINs directly.
    {
      method: 'get',
      path: '/v1/proposals',
      call: (_c, a) => call(stack, a, 'GET', '/v1/proposals'),
      expected: only({ admin: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/proposals/{id}',
      call: (_c, a) => call(stack, a, 'GET', '/v1/proposals/1'),
      expected: only({ admin: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/proposals',
      call: (_c, a) =>
        call(stack, a, 'POST', '/v1/proposals', {
          contract: 'OracleHub',
          function: 'setConsumer',
          args: { consumer: stack.address(CLIENT), allowed: false },
        }),
      expected: only({ admin: 200 }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/proposals/{id}/approval',
      // Proposed by the other ADMIN, so that party 0 may approve it.
      call: async (caller, a) => {
        const id = caller === 'admin' ? await governed({ proposer: 1 }) : 1n;
        return call(stack, a, 'POST', `/v1/proposals/${id}/approval`);
      },
      expected: only({ admin: 200 }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/proposals/{id}/execution',
      call: async (caller, a) => {
        const id = caller === 'admin' ? await governed({ proposer: 1, approver: 0 }) : 1n;
        return call(stack, a, 'POST', `/v1/proposals/${id}/execution`);
      },
      expected: only({ admin: 200 }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/proposals/{id}/cancellation',
      call: async (caller, a) => {
        const id = caller === 'admin' ? await governed({ proposer: 0 }) : 1n;
        return call(stack, a, 'POST', `/v1/proposals/${id}/cancellation`);
      },
      expected: only({ admin: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/feeds',
      call: (_c, a) => call(stack, a, 'GET', '/v1/feeds?state=awaiting'),
      // Party 7 holds the ORACLE role besides INSURER.
      expected: only({ admin: 200, oracle: 200, otherInsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/feeds/{feedId}',
      call: (_c, a) => call(stack, a, 'GET', `/v1/feeds/${UNKNOWN_FEED}`),
      expected: only({ admin: NO_FEED, oracle: NO_FEED, otherInsurer: NO_FEED, auditor: NO_FEED }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/feeds/{feedId}/dispute',
      call: (_c, a) => call(stack, a, 'POST', `/v1/feeds/${UNKNOWN_FEED}/dispute`),
      expected: only({ admin: NO_FEED }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/feeds/{feedId}/resolution',
      call: (_c, a) => call(stack, a, 'POST', `/v1/feeds/${UNKNOWN_FEED}/resolution`, { status: 'Landed', value: '0' }),
      expected: only({ admin: NO_FEED }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/feeds/{feedId}/expiry',
      call: (_c, a) => call(stack, a, 'POST', `/v1/feeds/${UNKNOWN_FEED}/expiry`),
      expected: only({ admin: NO_FEED, oracle: NO_FEED, otherInsurer: NO_FEED }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/oracles/rotation',
      call: (_c, a) => call(stack, a, 'POST', '/v1/oracles/rotation', { appoint: stack.address(AUDITOR) }),
      expected: only({ admin: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/pools/{address}/wiring-consents',
      call: (_c, a) =>
        call(
          stack,
          a,
          'GET',
          `/v1/pools/${ledger.deployment.riskPool}/wiring-consents?target=${Wallet.createRandom().address}`,
        ),
      expected: only({ admin: 200, insurer: 200, otherInsurer: 200, reinsurer: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/pools/{address}/wiring-consents',
      // The pool's insurer and its treaty's reinsurer (both hosted: sent); another insurer is refused by the pool.
      call: (_c, a) =>
        call(stack, a, 'POST', `/v1/pools/${ledger.deployment.riskPool}/wiring-consents`, {
          target: Wallet.createRandom().address,
        }),
      expected: only(
        { insurer: 200, reinsurer: 200, otherInsurer: refused(403, 'RISK_POOL_NOT_CONSENTING_PARTY') },
        roleRequired,
      ),
    },
    {
      method: 'get',
      path: '/v1/treaties/{address}/statement',
      call: (_c, a) => call(stack, a, 'GET', `/v1/treaties/${ledger.deployment.reinsuranceTreaty}/statement`),
      // The treaty's own parties, ADMINs and AUDITORs; to anyone else the treaty does not exist.
      expected: only({ admin: 200, insurer: 200, reinsurer: 200, auditor: 200 }, refused(404, 'TREATY_NOT_FOUND')),
    },
    {
      method: 'post',
      path: '/v1/treaties/statements/verify',
      call: async (_c, a) => {
        const treaty = ledger.deployment.reinsuranceTreaty!;
        const signed = await call(stack, stack.auth.get(REINSURER), 'GET', `/v1/treaties/${treaty}/statement`);
        return call(stack, a, 'POST', '/v1/treaties/statements/verify', (await signed.json()) as object);
      },
      expected: open(200),
    },
    {
      method: 'get',
      path: '/v1/treaties',
      call: (_c, a) => call(stack, a, 'GET', '/v1/treaties'),
      // Every party may ask; the list holds only the treaties it may see.
      expected: parties(200),
    },
    {
      method: 'get',
      path: '/v1/treaties/{address}/history',
      call: (_c, a) => call(stack, a, 'GET', `/v1/treaties/${ledger.deployment.reinsuranceTreaty}/history`),
      expected: only({ admin: 200, insurer: 200, reinsurer: 200, auditor: 200 }, refused(404, 'TREATY_NOT_FOUND')),
    },
    {
      method: 'post',
      path: '/v1/treaties/{address}/audit',
      call: async (_c, a) => {
        const treaty = ledger.deployment.reinsuranceTreaty!;
        const signed = await call(stack, stack.auth.get(REINSURER), 'GET', `/v1/treaties/${treaty}/statement`);
        return call(stack, a, 'POST', `/v1/treaties/${treaty}/audit`, (await signed.json()) as object);
      },
      expected: only({ admin: 200, insurer: 200, reinsurer: 200, auditor: 200 }, refused(404, 'TREATY_NOT_FOUND')),
    },
    {
      method: 'post',
      path: '/v1/offers',
      call: (_c, a) => call(stack, a, 'POST', '/v1/offers', FLIGHT_OFFER),
      expected: only({ insurer: 201, otherInsurer: 201 }, roleRequired),
    },
    { method: 'get', path: '/v1/offers', call: (_c, a) => call(stack, a, 'GET', '/v1/offers'), expected: parties(200) },
    {
      method: 'get',
      path: '/v1/offers/{offerId}',
      call: async (_c, a) => call(stack, a, 'GET', `/v1/offers/${await sales.offer()}`),
      expected: parties(200),
    },
    {
      method: 'post',
      path: '/v1/policies',
      // Only the pool's insurer sells; another insurer's own offer does not make it one.
      call: async (_c, a) =>
        call(
          stack,
          a,
          'POST',
          '/v1/policies',
          await flightPolicyRequest(ledger.provider, await sales.offer(), stack.address(CLIENT)),
        ),
      expected: only({ insurer: 201, otherInsurer: refused(403, 'NOT_POOL_INSURER') }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/policy-proposals',
      // Every active party lists its own proposals (none for a party that is neither holder nor insurer).
      call: (_c, a) => call(stack, a, 'GET', '/v1/policy-proposals?status=awaiting-consent'),
      expected: parties(200),
    },
    {
      method: 'get',
      path: '/v1/policy-proposals/{documentHash}',
      call: async (_c, a) => call(stack, a, 'GET', (await sales.proposal()).proposal.href),
      expected: only({ insurer: 200, client: 200 }, refused(403, 'NOT_PROPOSAL_PARTY')),
    },
    {
      method: 'post',
      path: '/v1/policy-proposals/{documentHash}/consent',
      // The client's wallet signs; the client or the insurer relays. A fresh proposal for each call that succeeds.
      call: async (caller, a) => {
        const proposal =
          caller === 'insurer' || caller === 'client' ? await sales.freshProposal() : await sales.proposal();
        return call(stack, a, 'POST', proposal.consent!.href, await walletConsent(stack.wallet(CLIENT), proposal));
      },
      expected: only({ insurer: 201, client: 201 }, refused(403, 'NOT_PROPOSAL_PARTY')),
    },
    {
      method: 'post',
      path: '/v1/policies/{id}/endorsements',
      call: async (caller, a) => {
        const policy = caller === 'insurer' ? await sales.freshPolicy() : await sales.policy();
        return call(stack, a, 'POST', `/v1/policies/${policy}/endorsements`, { premium: '2000000' });
      },
      expected: only({ insurer: 201, otherInsurer: refused(403, 'NOT_POOL_INSURER') }, roleRequired),
    },
    {
      method: 'post',
      path: '/v1/policies/{id}/cancellation',
      // The holder may cancel, but from its own wallet: this API does not hold the client's key.
      call: async (caller, a) => {
        const policy = caller === 'insurer' ? await sales.freshPolicy() : await sales.policy();
        return call(stack, a, 'POST', `/v1/policies/${policy}/cancellation`, {});
      },
      expected: only({ insurer: 200, client: refused(403, 'PARTY_NOT_HOSTED') }, refused(403, 'NOT_POLICY_PARTY')),
    },
    {
      method: 'get',
      path: '/v1/credits',
      call: (_c, a) => call(stack, a, 'GET', '/v1/credits'),
      expected: parties(200),
    },
    {
      method: 'post',
      path: '/v1/credits/claim',
      call: (_c, a) => call(stack, a, 'POST', '/v1/credits/claim', {}),
      expected: parties(refused(409, 'NO_CREDIT')),
    },
    ...((): Row[] => {
      // A receiver that never resolves (.invalid): deliveries to it fail and back off, which no row depends on.
      const receiver = { url: 'https://receiver.invalid/hook' };
      /** A fresh webhook of the insurer's: only the insurer finds it; for anyone else it does not exist. */
      const spare = async () => {
        const answer = await call(stack, stack.auth.get(INSURER), 'POST', '/v1/webhooks', receiver);
        return ((await answer.json()) as { id: string }).id;
      };
      const insurerOnly = (status: number) => parties(refused(404, 'WEBHOOK_NOT_FOUND'), { insurer: status });
      return [
        {
          method: 'get',
          path: '/v1/events',
          // A stream: the answer's status and headers, then the stream is dropped.
          call: async (_c, a) => {
            const controller = new AbortController();
            const answer = await fetch(`${stack.url}/v1/events`, {
              headers: a === undefined ? {} : { Authorization: a },
              signal: controller.signal,
            });
            if (answer.status !== 200) return answer;
            controller.abort();
            return new Response(null, { status: answer.status });
          },
          expected: parties(200),
        },
        {
          method: 'post',
          path: '/v1/webhooks',
          call: (_c, a) => call(stack, a, 'POST', '/v1/webhooks', receiver),
          expected: parties(201),
        },
        {
          method: 'get',
          path: '/v1/webhooks',
          call: (_c, a) => call(stack, a, 'GET', '/v1/webhooks'),
          expected: parties(200),
        },
        {
          method: 'get',
          path: '/v1/webhooks/{id}',
          call: async (_c, a) => call(stack, a, 'GET', `/v1/webhooks/${await spare()}`),
          expected: insurerOnly(200),
        },
        {
          method: 'delete',
          path: '/v1/webhooks/{id}',
          call: async (_c, a) => call(stack, a, 'DELETE', `/v1/webhooks/${await spare()}`),
          expected: insurerOnly(204),
        },
        {
          method: 'post',
          path: '/v1/webhooks/{id}/replay',
          call: async (_c, a) => call(stack, a, 'POST', `/v1/webhooks/${await spare()}/replay`, { from: '1-0' }),
          expected: insurerOnly(200),
        },
      ];
    })(),
    {
      method: 'get',
      path: '/v1/policies',
      call: (_c, a) => call(stack, a, 'GET', '/v1/policies'),
      expected: only({ insurer: 200, otherInsurer: 200, reinsurer: 200, client: 200, auditor: 200 }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/policies/{id}',
      // The pool's insurer, the treaty's reinsurer (ceded), the holder and an auditor read it; another insurer finds
      // nothing, as for an unknown policy.
      call: async (_c, a) => call(stack, a, 'GET', `/v1/policies/${await matrixPolicy(ledger, stack)}`),
      expected: only(
        { insurer: 200, reinsurer: 200, client: 200, auditor: 200, otherInsurer: refused(404, 'POLICY_NOT_FOUND') },
        roleRequired,
      ),
    },
    {
      method: 'get',
      path: '/v1/policies/{id}/timeline',
      call: async (_c, a) => call(stack, a, 'GET', `/v1/policies/${await matrixPolicy(ledger, stack)}/timeline`),
      expected: only(
        { insurer: 200, reinsurer: 200, client: 200, auditor: 200, otherInsurer: refused(404, 'POLICY_NOT_FOUND') },
        roleRequired,
      ),
    },
    {
      method: 'get',
      path: '/v1/book',
      call: (_c, a) => call(stack, a, 'GET', '/v1/book'),
      expected: only(
        { insurer: 200, admin: 200, auditor: 200, otherInsurer: refused(403, 'NOT_POOL_INSURER') },
        roleRequired,
      ),
    },
    {
      method: 'post',
      path: '/v1/policy-previews',
      // The sale's checks, nothing written: the offer's own insurer alone previews on it.
      call: async (_c, a) =>
        call(
          stack,
          a,
          'POST',
          '/v1/policy-previews',
          await flightPolicyRequest(ledger.provider, await sales.offer(), stack.address(CLIENT)),
        ),
      expected: only({ insurer: 200, otherInsurer: refused(403, 'NOT_OFFER_INSURER') }, roleRequired),
    },
    {
      method: 'get',
      path: '/v1/documents/{hash}/ciphertext',
      call: (_c, a) => call(stack, a, 'GET', on('/v1/documents/{hash}/ciphertext')),
      expected: only(
        { insurer: 200, reinsurer: 200, client: refused(403, 'NOT_A_READER'), auditor: refused(403, 'NOT_A_READER') },
        notVisible,
      ),
    },
    {
      method: 'get',
      path: '/v1/oracles/health',
      call: (_c, a) => call(stack, a, 'GET', '/v1/oracles/health'),
      // Party 7 holds the ORACLE role besides INSURER.
      expected: only({ admin: 200, oracle: 200, otherInsurer: 200, auditor: 200 }, roleRequired),
    },
  ];

  it('has a row for every path and method of the OpenAPI document', async () => {
    const document = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    // The server's own tests register a route under /test/ in the shared registry when they run in this process.
    const product = Object.entries(document.paths).filter(([path]) => !path.startsWith('/test/'));
    const documented = product.flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    const covered = rows.map((row) => `${row.method.toUpperCase()} ${row.path}`);
    expect(
      documented.filter((endpoint) => !covered.includes(endpoint)),
      'endpoints without a row',
    ).to.deep.equal([]);
    // Every row is a documented endpoint too (the docs page aside, which is HTML for people).
    expect(
      covered.filter((endpoint) => endpoint !== 'GET /docs' && !documented.includes(endpoint)),
      'rows for undocumented endpoints',
    ).to.deep.equal([]);
  });

  for (const name of CALLER_NAMES) {
    it(`answers ${name === 'none' ? 'a caller without credentials' : `the ${name}`} as the matrix says`, async function () {
      const wrong: string[] = [];
      for (const row of rows) {
        const party = CALLERS[name];
        const authorization = party === undefined ? undefined : stack.auth.get(party);
        const response = await row.call(name, authorization);
        const text = await response.text();
        const expected = row.expected(name);
        const status = typeof expected === 'number' ? expected : expected.status;
        const seen = `${response.status}${response.status >= 400 ? ` ${codeOf(text)}` : ''}`;
        const want = typeof expected === 'number' ? `${status}` : `${status} ${expected.code}`;
        if (seen !== want)
          wrong.push(`${row.method.toUpperCase()} ${row.path}: ${seen} (want ${want}) ${text.slice(0, 200)}`);
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), `${row.path}`).to.match(/^application\/problem\+json/);
        }
      }
      expect(wrong, wrong.join('\n')).to.deep.equal([]);
    });
  }

  function codeOf(text: string): string {
    try {
      return (JSON.parse(text) as { code?: string }).code ?? '';
    } catch {
      return '';
    }
  }
});
