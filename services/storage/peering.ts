import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Helia } from 'helia';
import type { Libp2p } from '@libp2p/interface';
import type { NodeIdentity } from './content-store.js';
import { StorageError } from './errors.js';
import { isLanTcpAddress, parseLanTcpAddress } from './peering-addresses.js';

/**
 * The embedded IPFS node's network, for members that share content (`helia.ts` without it has none): libp2p with TCP,
 * Noise and Yamux, the identify protocol and bitswap, and nothing else — no bootstrap list, no mDNS, no DHT, no
 * relays, no UPnP, no delegated routing, so the node reaches nobody but the peers it is given. A connection gater
 * allows only loopback and private-network TCP addresses, and only the configured peers' identities: a consortium
 * member's node exchanges blocks with the other members' nodes and no one else. The configured peers are dialled at
 * start, every `REDIAL_MS` while disconnected, and before each fetch.
 *
 * The node's identity (an Ed25519 key) is kept in `<dir>/peer-key.json` (mode 0600), created once and never
 * replaced, so the peer id a member gives the others survives restarts; back it up with the rest of `./data`.
 */
export interface PeeringOptions {
  /** Multiaddrs to listen on, e.g. `/ip4/127.0.0.1/tcp/4011` (LAN/loopback TCP only). */
  listen: string[];
  /** The other members' nodes: multiaddrs ending in `/p2p/<peer id>`. */
  peers: string[];
  /** Where connection changes are told, once per change. */
  logger?: PeeringLogger;
}

/** The part of a pino logger peering uses. */
export interface PeeringLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** How often a configured peer that is not connected is dialled again. */
export const REDIAL_MS = 5000;
const DIAL_TIMEOUT_MS = 5000;
const KEY_FILE = 'peer-key.json';
const KEY_FORMAT = 'policyledger-ipfs-peer-key/1';

/** The running network side of an embedded node. */
export interface PeerNetwork {
  identity(): NodeIdentity;
  /** Dials each configured peer that is not connected now; resolves without waiting for the dials. */
  connectPeers(): void;
  /** The configured peers' ids and whether each is connected now. */
  peers(): { peerId: string; connected: boolean }[];
  /** Starts keeping the configured peers connected (after the node started). */
  start(): void;
  /** Stops redialling (before the node stops). */
  stop(): void;
}

/**
 * Adds libp2p and bitswap to `helia` (not yet started), with the identity kept under `dir`. The libp2p modules load
 * here, on first use: an API without peering never loads them.
 */
export async function addPeering(helia: Helia, dir: string, options: PeeringOptions): Promise<PeerNetwork> {
  const peers = options.peers.map((address) => {
    const parsed = parsePeeringAddress(address);
    if (parsed.peerId === null) {
      throw new StorageError('CONTENT_STORE_CONFIG_INVALID', `the peer address "${address}" lacks /p2p/<peer id>`);
    }
    return { address, peerId: parsed.peerId };
  });
  for (const address of options.listen) parsePeeringAddress(address);
  const [{ withLibp2pLight }, { withBitswap }, { tcp }, { noise }, { yamux }, { identify }, { multiaddr }] =
    await Promise.all([
      import('@helia/libp2p'),
      import('@helia/bitswap'),
      import('@libp2p/tcp'),
      import('@libp2p/noise'),
      import('@libp2p/yamux'),
      import('@libp2p/identify'),
      import('@multiformats/multiaddr'),
    ]);
  const { privateKey } = await loadOrCreatePeerKey(dir);
  const allowed = new Set(peers.map((peer) => peer.peerId));
  const withNetwork = withBitswap(
    withLibp2pLight(helia, {
      privateKey,
      addresses: { listen: options.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() },
      connectionGater: {
        denyDialMultiaddr: (address) => !isLanTcpAddress(address.toString()),
        denyInboundConnection: (connection) => !isLanTcpAddress(connection.remoteAddr.toString()),
        denyInboundEncryptedConnection: (peerId) => !allowed.has(peerId.toString()),
        denyOutboundEncryptedConnection: (peerId) => !allowed.has(peerId.toString()),
      },
    }),
  );
  return new KeptPeers(() => withNetwork.libp2p, peers, options.logger, multiaddr);
}

/**
 * The peer id of the embedded node whose store is at `dir` (an existing directory), its identity created when it has
 * none: what a member gives the others for their peer lists, known before the node first starts.
 */
export async function peerIdentity(dir: string): Promise<string> {
  return (await loadOrCreatePeerKey(dir)).peerId;
}

function parsePeeringAddress(address: string) {
  try {
    return parseLanTcpAddress(address);
  } catch (error) {
    throw new StorageError('CONTENT_STORE_CONFIG_INVALID', (error as Error).message, { cause: error });
  }
}

/** The node's private key from `<dir>/peer-key.json`, created (and never overwritten) when there is none. */
async function loadOrCreatePeerKey(dir: string) {
  const [{ generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf }, { peerIdFromPrivateKey }] =
    await Promise.all([import('@libp2p/crypto/keys'), import('@libp2p/peer-id')]);
  const file = path.join(dir, KEY_FILE);
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; privateKey?: string; peerId?: string };
      if (saved.format !== KEY_FORMAT || typeof saved.privateKey !== 'string') throw new Error(`not ${KEY_FORMAT}`);
      const key = privateKeyFromProtobuf(Buffer.from(saved.privateKey, 'base64'));
      if (peerIdFromPrivateKey(key).toString() !== saved.peerId) throw new Error('its peer id is not its key’s');
      return { privateKey: key, peerId: saved.peerId };
    } catch (error) {
      throw new StorageError('CONTENT_STORE_CONFIG_INVALID', `${file} is not a usable peer key: ${String(error)}`, {
        cause: error,
      });
    }
  }
  const key = await generateKeyPair('Ed25519');
  const saved = {
    format: KEY_FORMAT,
    peerId: peerIdFromPrivateKey(key).toString(),
    privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64'),
  };
  // `wx`: another process that created the file first wins, and this one fails rather than replace its identity.
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return { privateKey: key, peerId: saved.peerId };
}

type MultiaddrOf = typeof import('@multiformats/multiaddr').multiaddr;

class KeptPeers implements PeerNetwork {
  private timer: NodeJS.Timeout | undefined;
  private readonly dialling = new Set<string>();
  /** Peers told unreachable, so a peer that stays down is logged once, not every `REDIAL_MS`. */
  private readonly unreachable = new Set<string>();

  constructor(
    private readonly libp2p: () => Libp2p,
    private readonly configured: { address: string; peerId: string }[],
    private readonly logger: PeeringLogger | undefined,
    private readonly multiaddr: MultiaddrOf,
  ) {}

  identity(): NodeIdentity {
    const node = this.libp2p();
    return { peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String) };
  }

  peers(): { peerId: string; connected: boolean }[] {
    const connected = new Set(this.libp2p().getPeers().map(String));
    return this.configured.map(({ peerId }) => ({ peerId, connected: connected.has(peerId) }));
  }

  connectPeers(): void {
    for (const peer of this.peers()) {
      if (!peer.connected) this.dial(this.configured.find((candidate) => candidate.peerId === peer.peerId)!);
    }
  }

  start(): void {
    const node = this.libp2p();
    const isConfigured = (peerId: string) => this.configured.some((peer) => peer.peerId === peerId);
    node.addEventListener('peer:connect', (event) => {
      const peerId = event.detail.toString();
      if (!isConfigured(peerId)) return;
      this.unreachable.delete(peerId);
      this.logger?.info({ peerId }, 'IPFS peer connected');
    });
    node.addEventListener('peer:disconnect', (event) => {
      const peerId = event.detail.toString();
      // Not while this node stops: its own connections close then.
      if (isConfigured(peerId) && this.timer !== undefined) {
        this.logger?.warn({ peerId }, 'IPFS peer disconnected; redialling');
      }
    });
    if (this.configured.length === 0) {
      this.logger?.warn(
        { peerId: node.peerId.toString() },
        'IPFS node listening with no peers listed: it accepts no one',
      );
    }
    this.connectPeers();
    this.timer = setInterval(() => this.connectPeers(), REDIAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private dial(peer: { address: string; peerId: string }): void {
    if (this.dialling.has(peer.peerId)) return;
    this.dialling.add(peer.peerId);
    this.libp2p()
      .dial(this.multiaddr(peer.address), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      .catch((error: unknown) => {
        if (this.unreachable.has(peer.peerId)) return;
        this.unreachable.add(peer.peerId);
        this.logger?.warn(
          { peerId: peer.peerId, address: peer.address, reason: (error as Error).message },
          `IPFS peer unreachable; retrying every ${REDIAL_MS / 1000} s`,
        );
      })
      .finally(() => this.dialling.delete(peer.peerId));
  }
}
