/**
 * Each member's Besu node configuration and the network's local permissioning, as Besu's documentation describes them:
 * - the TOML configuration file (`besu --config-file=config.toml`): each key is a command line option without its
 *   dashes; paths are relative to the folder Besu is started from (the member's `besu/` folder);
 * - the permissions configuration file `permissions_config.toml` with `accounts-allowlist` (accounts whose
 *   transactions the node accepts) and `nodes-allowlist` (enode URLs of the nodes it talks to), read from the data
 *   directory when `--permissions-accounts-config-file-enabled` and `--permissions-nodes-config-file-enabled` are set.
 *   It is not part of the genesis: each node has its own copy, which Besu recommends keeping identical, and which
 *   `perm_addAccountsToAllowlist`, `perm_addNodesToAllowlist` or `perm_reloadPermissionsFromFile` update while the node
 *   runs.
 */
import { toToml, type TomlLine } from './toml.js';

/** Where a member's Besu node listens. */
export interface BesuEndpoints {
  /** The address advertised to peers and listened on (an IP address). */
  p2pHost: string;
  p2pPort: number;
  /** JSON-RPC over HTTP, on loopback: only the member's own API and oracle node talk to it. */
  rpcHttpPort: number;
}

/**
 * JSON-RPC APIs the node serves: ETH, NET and WEB3 for PolicyLedger's API and oracle node, QBFT for validator votes
 * (`qbft_proposeValidatorVote`), PERM to update the allowlists while the node runs.
 */
export const RPC_HTTP_APIS = ['ETH', 'NET', 'WEB3', 'QBFT', 'PERM'] as const;

export const PERMISSIONS_FILE = 'permissions_config.toml';

export function besuConfigToml(member: string, endpoints: BesuEndpoints, bootnodes: readonly string[]): string {
  const lines: TomlLine[] = [
    [null, `Besu configuration of ${member}: start it from this folder with  besu --config-file=config.toml`],
    [null, 'Keys are command line options without their dashes (Besu: "Use a configuration file").'],
    ['data-path', 'data'],
    ['genesis-file', 'genesis.json'],
    [null, "The enterprise/private profile, as in Besu's QBFT tutorial."],
    ['profile', 'ENTERPRISE'],
    [null, 'Free gas: a node with a higher minimum gas price silently drops zero-price transactions.'],
    ['min-gas-price', 0],
    [null, 'Revert reasons in receipts, so that PolicyLedger can name the contract error of a failed transaction.'],
    ['revert-reason-enabled', true],
    ['p2p-host', endpoints.p2pHost],
    ['p2p-port', endpoints.p2pPort],
    ['bootnodes', bootnodes],
    ['rpc-http-enabled', true],
    ['rpc-http-host', '127.0.0.1'],
    ['rpc-http-port', endpoints.rpcHttpPort],
    ['rpc-http-api', RPC_HTTP_APIS],
    ['host-allowlist', ['localhost', '127.0.0.1']],
    [null, `Local permissioning: the allowlists are in data/${PERMISSIONS_FILE}.`],
    ['permissions-nodes-config-file-enabled', true],
    ['permissions-accounts-config-file-enabled', true],
  ];
  return toToml(lines);
}

export function permissionsToml(accounts: readonly string[], nodes: readonly string[]): string {
  return toToml([
    [null, 'Besu local permissioning (not part of the genesis): keep this file the same on every node.'],
    [null, "Accounts whose transactions the node accepts: each member's API account and oracle node account."],
    ['accounts-allowlist', accounts.map((account) => account.toLowerCase())],
    [null, "Nodes the node talks to: every member's validator (the bootnodes must be listed here)."],
    ['nodes-allowlist', nodes],
  ]);
}
