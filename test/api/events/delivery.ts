/**
 * Event delivery end to end, on the whole API (`startApi`) over a local chain: an SSE client and a webhook receiver
 * each see every event of a scenario (documents anchored, co-signed, superseded, revoked) in chain order, with no gap
 * and each id once after deduplication — across an API restart in the middle and a receiver that answers 500 for a
 * while. Also: what a party's stream leaves out, signatures (a tampered body fails), replay, and delivery status.
 */
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { NonceManager, Wallet, type Signer } from 'ethers';
import type { ChainEvent } from '../../../services/indexer/index.js';
import { verifyWebhookSignature } from '../../../services/api/events/index.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi, type RunningApi } from '../../../services/api/main.js';
import { localEncryptionKeyPair } from '../../../services/storage/index.js';
import { startTestLedger, type TestLedger } from '../../helpers/api-chain.js';
import {
  AUDITOR,
  call,
  CLIENT,
  clientCoSignature,
  eventually,
  INSURER,
  OTHER_INSURER,
  policyMetadata,
  REINSURER,
  startMatrixStack,
  uniqueBytes,
  uploadForm,
  type MatrixStack,
} from '../matrix-stack.js';
import { deduplicated, openStream, startReceiver, type SseReader, type WebhookReceiver } from './receiver.js';

interface WebhookView {
  id: string;
  position: string;
  secret?: string;
  delivery: { attempts: number; lastStatus: number | null; lastError: string | null; pendingEventId: string | null };
}

describe('event delivery (SSE and webhooks)', function () {
  this.timeout(240_000);
  let ledger: TestLedger;
  let stack: MatrixStack;
  let api: RunningApi;
  let receiver: WebhookReceiver;
  let start: string;

  const url = () => api.url;
  const auth = (party: number) => stack.auth.get(party)!;
  const as = (party: number, method: string, path: string, body?: FormData | object) =>
    call({ url: url() }, auth(party), method, path, body);

  /** Registers a document as the insurer with `signer` as its required co-signer (so it is anchored singly). */
  async function register(label: string, signer: number): Promise<string> {
    const metadata = policyMetadata({ requiredSigners: [stack.address(signer)] });
    const answer = await as(INSURER, 'POST', '/v1/documents?confirm=true', uploadForm(metadata, uniqueBytes(label)));
    expect(answer.status, await answer.clone().text()).to.equal(201);
    return ((await answer.json()) as { documentHash: string }).documentHash;
  }

  async function settled(path: string, expected: number, body?: object): Promise<void> {
    const answer = await as(INSURER, 'POST', `${path}?confirm=true`, body);
    expect(answer.status, await answer.clone().text()).to.equal(expected);
  }

  /** Every event the index holds after `start`: what the auditor must receive. */
  async function indexedSince(): Promise<ChainEvent[]> {
    return api.ctx.index.events(start, 500);
  }

  async function webhook(id: string): Promise<WebhookView> {
    const answer = await as(AUDITOR, 'GET', `/v1/webhooks/${id}`);
    expect(answer.status).to.equal(200);
    return (await answer.json()) as WebhookView;
  }

  before(async function () {
    ledger = await startTestLedger();
    stack = await startMatrixStack(ledger, {
      POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE: 'true',
      POLICYLEDGER_API_WEBHOOK_RETRY_BASE_MS: '100',
      POLICYLEDGER_API_WEBHOOK_RETRY_MAX_MS: '400',
      POLICYLEDGER_API_EVENTS_POLL_MS: '50',
      POLICYLEDGER_API_EVENTS_HEARTBEAT_MS: '300',
      POLICYLEDGER_API_KEEPER: 'false',
    });
    api = stack.api;
    receiver = await startReceiver();
  });

  after(async function () {
    await receiver?.close();
    await api?.stop();
    if (stack !== undefined) rmSync(stack.api.ctx.config.dataDir, { recursive: true, force: true });
    await ledger?.stop();
  });

  it('delivers every event in order, once after deduplication, across a restart and a receiver outage', async function () {
    start = `${(await api.ctx.index.headBlock()) ?? 0}-999999999`;
    const registered = await as(AUDITOR, 'POST', '/v1/webhooks', { url: receiver.url, after: start });
    expect(registered.status).to.equal(201);
    const hook = (await registered.json()) as WebhookView;
    expect(hook.secret).to.match(/^whsec_/);
    const listed = (await (await as(AUDITOR, 'GET', '/v1/webhooks')).json()) as { items: WebhookView[] };
    expect(listed.items.map((item) => item.id)).to.deep.equal([hook.id]);
    expect(listed.items[0]).not.to.have.property('secret');

    const auditorStreams: SseReader[] = [
      await openStream(`${url()}/v1/events?after=${start}`, { Authorization: auth(AUDITOR) }),
    ];
    const clientStream = await openStream(`${url()}/v1/events?after=${start}`, { Authorization: auth(CLIENT) });
    const documentStream = await openStream(`${url()}/v1/events?documentHash=${'0x'}&after=${start}`, {
      Authorization: auth(AUDITOR),
    }).catch((error: unknown) => error);
    expect(documentStream, 'a half hash is refused').to.be.instanceOf(Error);

    // Before the restart: two documents, the client's co-signature of the first.
    const first = await register('first', CLIENT);
    const second = await register('second', REINSURER);
    const signed = await clientCoSignature({ ...stack, url: url() }, first);
    await settled(`/v1/documents/${first}/cosignatures`, 200, signed);
    const firstStream = await openStream(`${url()}/v1/events?documentHash=${first}&after=${start}`, {
      Authorization: auth(AUDITOR),
    });
    await eventually('the receiver to acknowledge what is indexed', async () => {
      const indexed = (await indexedSince()).map((event) => event.id);
      const got = deduplicated(receiver.accepted.map((delivery) => delivery.eventId));
      return indexed.length > 0 && got.length === indexed.length ? true : undefined;
    });

    // The stream filtered on the first document: its anchor and co-signature, nothing else.
    await eventually('the filtered stream', () => Promise.resolve(firstStream.events.length >= 2 ? true : undefined));
    firstStream.close();
    expect(firstStream.events.map((event) => event.data.about.documentHash)).to.satisfy((hashes: string[]) =>
      hashes.every((hash) => hash === first),
    );
    expect(firstStream.events[0]!.type).to.equal('DocumentAnchored');

    // The receiver goes down: the position holds, the failure shows.
    receiver.down = true;
    const positionBefore = (await webhook(hook.id)).position;
    const third = await register('third', REINSURER);
    const failing = await eventually('a failed attempt', async () => {
      const view = await webhook(hook.id);
      return view.delivery.attempts >= 2 ? view : undefined;
    });
    expect(failing.position).to.equal(positionBefore);
    expect(failing.delivery.lastStatus).to.equal(500);
    expect(failing.delivery.lastError).to.contain('500');
    expect(failing.delivery.pendingEventId).to.be.a('string');

    // The API restarts on the same data directory; the stream resumes from its Last-Event-ID.
    await api.stop();
    await auditorStreams[0]!.ended;
    api = await startApi(api.ctx.config, { logger: silentLogger(), keys: hostedKeys(ledger) });
    auditorStreams.push(
      await openStream(`${url()}/v1/events`, {
        Authorization: auth(AUDITOR),
        'Last-Event-ID': auditorStreams[0]!.lastEventId ?? start,
      }),
    );

    // After the restart: a new version of the third, the second revoked; then the receiver comes back.
    const version = await as(
      INSURER,
      'POST',
      `/v1/documents/${third}/versions?confirm=true`,
      uploadForm(policyMetadata({ requiredSigners: [stack.address(REINSURER)] }), uniqueBytes('third, version 2')),
    );
    expect(version.status, await version.clone().text()).to.equal(201);
    await settled(`/v1/documents/${second}/revocation`, 200, { reason: 'IssuedInError' });
    receiver.down = false;

    const indexed = await eventually('the revocation indexed', async () => {
      const events = await indexedSince();
      return events.some((event) => event.name === 'DocumentRevoked') ? events : undefined;
    });
    const expected = indexed.map((event) => event.id);
    expect(expected.length).to.be.greaterThan(5);
    const streamed = () => auditorStreams.flatMap((stream) => stream.events.map((event) => event.id));
    await eventually(
      'every event at the receiver and on the stream',
      () =>
        Promise.resolve(
          deduplicated(receiver.accepted.map((delivery) => delivery.eventId)).length >= expected.length &&
            deduplicated(streamed()).length >= expected.length
            ? true
            : undefined,
        ),
      30_000,
    );
    expect(deduplicated(receiver.accepted.map((delivery) => delivery.eventId))).to.deep.equal(expected);
    expect(deduplicated(streamed())).to.deep.equal(expected);
    expect(receiver.refused).to.be.greaterThan(1);
    for (const stream of auditorStreams) expect(stream.comments, 'heartbeats').to.be.greaterThan(0);
    const types = auditorStreams.flatMap((stream) => stream.events.map((event) => event.type));
    expect(types).to.include.members(['DocumentAnchored', 'DocumentSuperseded', 'DocumentRevoked']);
    expect(types.some((type) => type === 'DocumentCoSigned' || type === 'TermsCoSigned')).to.equal(true);

    // The client saw the events of the document it must sign, and nothing of the others.
    const clientHashes = new Set(clientStream.events.map((event) => event.data.about.documentHash));
    clientStream.close();
    expect([...clientHashes]).to.deep.equal([first]);

    // Signatures: every delivery verifies with the secret; a tampered body does not.
    for (const delivery of receiver.accepted) {
      expect(verifyWebhookSignature(hook.secret!, delivery.body, delivery.signature), delivery.eventId).to.equal(true);
      expect((JSON.parse(delivery.body) as { event: { id: string } }).event.id).to.equal(delivery.eventId);
    }
    const sample = receiver.accepted[0]!;
    expect(verifyWebhookSignature(hook.secret!, sample.body.replace('"id"', '"Id"'), sample.signature)).to.equal(false);
    expect(verifyWebhookSignature('whsec_wrong', sample.body, sample.signature)).to.equal(false);
    expect(
      verifyWebhookSignature(hook.secret!, sample.body, sample.signature, { now: Date.now() / 1000 + 3600 }),
    ).to.equal(false);

    const status = await webhook(hook.id);
    expect(status.position).to.equal(expected.at(-1));
    expect(status.delivery.lastError).to.equal(null);

    // Replay from the third event: those are delivered again, in order.
    const before = receiver.accepted.length;
    const replay = await as(AUDITOR, 'POST', `/v1/webhooks/${hook.id}/replay`, { from: expected[2] });
    expect(replay.status).to.equal(200);
    await eventually('the replay', () =>
      Promise.resolve(receiver.accepted.length - before >= expected.length - 2 ? true : undefined),
    );
    expect(receiver.accepted.slice(before).map((delivery) => delivery.eventId)).to.deep.equal(expected.slice(2));

    // Deleted: nothing more is delivered, and the subscription is gone.
    expect((await as(AUDITOR, 'DELETE', `/v1/webhooks/${hook.id}`)).status).to.equal(204);
    expect((await as(AUDITOR, 'GET', `/v1/webhooks/${hook.id}`)).status).to.equal(404);
    for (const stream of auditorStreams) stream.close();
  });

  it('refuses a receiver URL that is not http(s)', async function () {
    const answer = await as(INSURER, 'POST', '/v1/webhooks', { url: 'ftp://127.0.0.1/hook' });
    expect(answer.status).to.equal(400);
    expect(((await answer.json()) as { code: string }).code).to.equal('WEBHOOK_URL_INVALID');
  });
});

/** The keys the matrix stack's API holds, connected anew (as a restarted process would). */
function hostedKeys(ledger: TestLedger): { signers: Map<string, Signer>; encryptionKeys: Map<string, Uint8Array> } {
  const signers = new Map<string, Signer>(
    [INSURER, REINSURER, OTHER_INSURER].map((i) => [
      ledger.parties[i]!.wallet.address,
      new NonceManager(new Wallet(ledger.parties[i]!.wallet.privateKey, ledger.provider)),
    ]),
  );
  const encryptionKeys = new Map<string, Uint8Array>(
    ledger.parties.map((party) => [party.wallet.address, localEncryptionKeyPair(party.wallet.privateKey).privateKey]),
  );
  return { signers, encryptionKeys };
}
