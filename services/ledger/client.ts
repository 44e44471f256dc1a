import type { ContractRunner, Provider, Signer } from 'ethers';
import {
  ConsortiumAccess__factory,
  EvidenceRegistry__factory,
  OracleHub__factory,
  type ConsortiumAccess,
  type EvidenceRegistry,
  type OracleHub,
} from '../../types/ethers-contracts/index.js';
import type { Deployment } from './deploy.js';
import type { SendOptions } from './transactions.js';

/**
 * What every ledger action needs: the deployment it acts on, a provider to read the chain and, for actions that send
 * transactions, the signer of the member whose API, CLI or node is acting. Reads never need the signer.
 */
export interface LedgerClient {
  deployment: Deployment;
  provider: Provider;
  signer?: Signer;
  /** Options every transaction of this client is sent with (a call's own options override them). */
  sendOptions?: SendOptions;
}

/** The shared contracts of a deployment, connected for reading (provider) or for sending (signer). */
export interface SharedContracts {
  access: ConsortiumAccess;
  registry: EvidenceRegistry;
  hub: OracleHub;
}

/** Contracts already built, per runner and deployment (see `sharedContracts`). */
const built = new WeakMap<ContractRunner, Map<string, SharedContracts>>();

/**
 * The client's contracts, connected to its signer when it has one, else to its provider. Building a `Contract` parses
 * its ABI, which cost the API a noticeable share of its CPU when done on every read, so each (runner, deployment)
 * builds its contracts once; ethers contracts hold no per-call state, so sharing them is safe.
 */
export function sharedContracts(
  client: LedgerClient,
  runner: ContractRunner = client.signer ?? client.provider,
): SharedContracts {
  const { consortiumAccess, evidenceRegistry, oracleHub } = client.deployment;
  const key = `${consortiumAccess} ${evidenceRegistry} ${oracleHub}`;
  let byDeployment = built.get(runner);
  if (byDeployment === undefined) {
    byDeployment = new Map();
    built.set(runner, byDeployment);
  }
  let contracts = byDeployment.get(key);
  if (contracts === undefined) {
    contracts = {
      access: ConsortiumAccess__factory.connect(consortiumAccess, runner),
      registry: EvidenceRegistry__factory.connect(evidenceRegistry, runner),
      hub: OracleHub__factory.connect(oracleHub, runner),
    };
    byDeployment.set(key, contracts);
  }
  return contracts;
}

/** The client's signer, or an error naming the action that needed one. */
export function requireSigner(client: Pick<LedgerClient, 'signer'>, action: string): Signer {
  if (client.signer === undefined) throw new Error(`${action} sends a transaction and needs a signer`);
  return client.signer;
}
