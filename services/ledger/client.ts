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

/** The client's contracts, connected to its signer when it has one, else to its provider. */
export function sharedContracts(client: LedgerClient, runner: ContractRunner = client.signer ?? client.provider) {
  return {
    access: ConsortiumAccess__factory.connect(client.deployment.consortiumAccess, runner),
    registry: EvidenceRegistry__factory.connect(client.deployment.evidenceRegistry, runner),
    hub: OracleHub__factory.connect(client.deployment.oracleHub, runner),
  } satisfies SharedContracts;
}

/** The client's signer, or an error naming the action that needed one. */
export function requireSigner(client: Pick<LedgerClient, 'signer'>, action: string): Signer {
  if (client.signer === undefined) throw new Error(`${action} sends a transaction and needs a signer`);
  return client.signer;
}
