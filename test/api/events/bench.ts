/**
 * The event-delivery benchmark rows (`npm run bench:api`): `event-delivery-webhook` and `event-delivery-sse`, each
 * `{p50Ms, p99Ms, samples}`, timed from the moment the indexer has written the block of an event (its `applyRange`
 * returned) to the moment the receiver — a local webhook server, an SSE client — has the event. The API runs in this
 * process (as `npm run api` composes it) so that both moments are read on one clock; its index is the one the
 * indexer writes, and its `applyRange` is wrapped to note when each block landed. Each sample is one document
 * registered and anchored singly (one block, one `DocumentAnchored`), one after the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NonceManager, Wallet } from 'ethers';
import { loadApiConfig } from '../../../services/api/config.js';
import { silentLogger } from '../../../services/api/logger.js';
import { startApi } from '../../../services/api/main.js';
import type { EventPayload } from '../../../services/api/events/index.js';
import type { IndexedRange } from '../../../services/indexer/index.js';
import { startTestLedger } from '../../helpers/api-chain.js';
import { apiKeyFor } from '../../helpers/api-client.js';
import { openStream, startReceiver } from './receiver.js';

export interface DeliveryRow {
  operation: 'event-delivery-webhook' | 'event-delivery-sse';
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

const INSURER = 2;
const CLIENT = 4;
const AUDITOR = 8;

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

function rowOf(operation: DeliveryRow['operation'], latencies: number[]): DeliveryRow {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    operation,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    samples: sorted.length,
  };
}

/** Starts a chain and an in-process API, registers `samples` documents and times each event's delivery both ways. */
export async function measureEventDelivery(options: { samples: number }): Promise<DeliveryRow[]> {
  const ledger = await startTestLedger();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'policyledger-bench-events-'));
  const receiver = await startReceiver();
  try {
    const config = loadApiConfig({
      POLICYLEDGER_DATA_DIR: dataDir,
      POLICYLEDGER_RPC_URL: ledger.rpcUrl,
      POLICYLEDGER_DEPLOYMENT: path.join(ledger.dataDir, 'deployments', `${ledger.deployment.chainId}.json`),
      POLICYLEDGER_API_PORT: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_IP: '0',
      POLICYLEDGER_API_RATE_LIMIT_PER_API_KEY: '0',
      POLICYLEDGER_API_LOG_LEVEL: 'silent',
      POLICYLEDGER_API_WEBHOOK_ALLOW_PRIVATE: 'true',
      POLICYLEDGER_API_KEEPER: 'false',
    });
    const insurer = ledger.parties[INSURER]!.wallet;
    const api = await startApi(config, {
      logger: silentLogger(),
      keys: {
        signers: new Map([[insurer.address, new NonceManager(new Wallet(insurer.privateKey, ledger.provider))]]),
        encryptionKeys: new Map(),
      },
    });
    try {
      const indexedAt = new Map<number, number>();
      const index = api.ctx.index;
      const apply = index.applyRange.bind(index);
      index.applyRange = async (range: IndexedRange) => {
        await apply(range);
        const at = performance.now();
        for (const event of range.events) indexedAt.set(event.blockNumber, at);
      };
      const auditor = await apiKeyFor(api.url, ledger.parties[AUDITOR]!.wallet);
      const registrant = await apiKeyFor(api.url, insurer);
      const start = `${(await index.headBlock()) ?? 0}-999999999`;
      const subscribed = await fetch(`${api.url}/v1/webhooks`, {
        method: 'POST',
        headers: { Authorization: auditor, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, eventTypes: ['DocumentAnchored'], after: start }),
      });
      if (subscribed.status !== 201) throw new Error(`POST /v1/webhooks answered ${subscribed.status}`);
      const stream = await openStream(`${api.url}/v1/events?types=DocumentAnchored&after=${start}`, {
        Authorization: auditor,
      });
      try {
        for (let sample = 0; sample < options.samples; sample += 1) {
          const form = new FormData();
          form.append(
            'metadata',
            JSON.stringify({
              documentType: 'Policy',
              policyRef: `BENCH-EVENTS-${sample}`,
              retentionClass: 2,
              coverEndsAt: '2027-12-31',
              requiredSigners: [ledger.parties[CLIENT]!.wallet.address],
            }),
          );
          form.append('file', new Blob([`event delivery sample ${sample} ${dataDir}\n`]), 'policy.pdf');
          const answer = await fetch(`${api.url}/v1/documents?confirm=true`, {
            method: 'POST',
            headers: { Authorization: registrant },
            body: form,
          });
          if (answer.status !== 201) throw new Error(`registration answered ${answer.status}: ${await answer.text()}`);
          const deadline = Date.now() + 30_000;
          while (receiver.accepted.length <= sample || stream.events.length <= sample) {
            if (Date.now() > deadline) throw new Error(`sample ${sample} was not delivered within 30 s`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
      } finally {
        stream.close();
      }
      const latency = (blockNumber: number, receivedAt: number) => receivedAt - indexedAt.get(blockNumber)!;
      return [
        rowOf(
          'event-delivery-webhook',
          receiver.accepted.map((delivery) => {
            const { event } = JSON.parse(delivery.body) as { event: EventPayload };
            return latency(event.blockNumber, delivery.receivedAt);
          }),
        ),
        rowOf(
          'event-delivery-sse',
          stream.events.map((event) => latency(event.data.blockNumber, event.receivedAt)),
        ),
      ];
    } finally {
      await api.stop();
    }
  } finally {
    await receiver.close();
    await ledger.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
