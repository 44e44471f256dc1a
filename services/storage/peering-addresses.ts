import { BlockList, isIP } from 'node:net';

/**
 * The addresses an embedded IPFS node may listen on, dial and accept: TCP on loopback or private-network (LAN) IP
 * addresses only, written as multiaddrs (`/ip4/127.0.0.1/tcp/4011`, `/ip6/::1/tcp/4011`, with `/p2p/<peer id>` for a
 * peer). Nothing else: no DNS names (resolving one would touch the network), no unspecified address (0.0.0.0 would
 * also listen on public interfaces), no public address. Used both to check the settings and, at run time, by the
 * node's connection gater, so no other address is ever dialled or accepted.
 */
export interface LanTcpAddress {
  /** The multiaddr without its `/p2p/…` part. */
  transport: string;
  host: string;
  port: number;
  /** The base58 peer id after `/p2p/`, null when there is none. */
  peerId: string | null;
}

/** Loopback, RFC 1918 private, link-local and IPv6 unique-local ranges. */
const LAN = new BlockList();
LAN.addSubnet('127.0.0.0', 8, 'ipv4');
LAN.addSubnet('10.0.0.0', 8, 'ipv4');
LAN.addSubnet('172.16.0.0', 12, 'ipv4');
LAN.addSubnet('192.168.0.0', 16, 'ipv4');
LAN.addSubnet('169.254.0.0', 16, 'ipv4');
LAN.addAddress('::1', 'ipv6');
LAN.addSubnet('fc00::', 7, 'ipv6');
LAN.addSubnet('fe80::', 10, 'ipv6');

const TCP_MULTIADDR = /^\/(ip4|ip6)\/([^/]+)\/tcp\/(\d{1,5})(?:\/p2p\/([^/]+))?$/;
/** A base58btc peer id: an Ed25519 identity (`12D3KooW…`) or an RSA key's hash (`Qm…`). */
const PEER_ID = /^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{38,}$/;

/** `value` parsed, or an `Error` whose message says what is wrong with it. */
export function parseLanTcpAddress(value: string): LanTcpAddress {
  const match = TCP_MULTIADDR.exec(value);
  if (match === null) {
    throw new Error(`"${value}" is not a TCP multiaddr (/ip4/<address>/tcp/<port> or /ip6/<address>/tcp/<port>)`);
  }
  const [, family, host, portText, peerId] = match as unknown as [string, 'ip4' | 'ip6', string, string, string?];
  if (isIP(host) !== (family === 'ip4' ? 4 : 6)) throw new Error(`"${host}" in "${value}" is not an ${family} address`);
  if (!LAN.check(host, family === 'ip4' ? 'ipv4' : 'ipv6')) {
    throw new Error(`"${value}" is not a loopback or private-network address (the node stays off the internet)`);
  }
  const port = Number(portText);
  if (port > 65535) throw new Error(`"${value}" has no valid port`);
  if (peerId !== undefined && !PEER_ID.test(peerId)) throw new Error(`"${peerId}" in "${value}" is not a peer id`);
  return { transport: `/${family}/${host}/tcp/${port}`, host, port, peerId: peerId ?? null };
}

/** Whether the node may dial or accept `value` (a LAN TCP address, with or without a peer id). */
export function isLanTcpAddress(value: string): boolean {
  try {
    parseLanTcpAddress(value);
    return true;
  } catch {
    return false;
  }
}
