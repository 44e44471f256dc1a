/**
 * Chain logs as index events: decoded with the contracts' ABIs (TypeChain `Interface`s), normalised to the index's
 * conventions (lowercase hashes, checksummed addresses, enum names, decimal strings for uint256). Logs of events the
 * index does not keep (proposals, nonce cancellations, retention classes) are skipped.
 */
import { getAddress, hexlify, type Log, type LogDescription, type TransactionResponse } from 'ethers';
import { ConsortiumAccess__factory, EvidenceRegistry__factory } from '../../types/ethers-contracts/index.js';
import { PARTY_ROLES, roleId, type PartyRole } from '../ledger/parties.js';
import { parametricArgs, parseParametric, subjectsOf, type ParametricContracts } from './parametric-decode.js';
import type { IssuedPolicyDetails, ParametricEventName } from './parametric-types.js';
import {
  DOCUMENT_TYPES,
  REVOCATION_REASONS,
  TERMS_TYPES,
  type ChainEvent,
  type ChainEventArgs,
  type ChainEventName,
} from './types.js';

export const registryInterface = EvidenceRegistry__factory.createInterface();
export const accessInterface = ConsortiumAccess__factory.createInterface();

const REGISTRY_EVENTS = new Set<ChainEventName>([
  'DocumentAnchored',
  'DocumentSuperseded',
  'DocumentCoSigned',
  'TermsCoSigned',
  'DocumentRevoked',
  'BatchAnchored',
]);
const ACCESS_EVENTS = new Set<ChainEventName>([
  'PartyRegistered',
  'ClientOnboarded',
  'PartyEncryptionKeyChanged',
  'PartyActiveChanged',
  'RoleGranted',
  'RoleRevoked',
]);

/**
 * What the decoder needs besides the log: its block's time, for co-signatures the calldata of its transaction, and
 * for an issued policy what its product recorded (cover window; terms from the calldata).
 */
export interface LogContext {
  blockTime: string;
  transaction?: Pick<TransactionResponse, 'to' | 'data'> | null;
  issued?: IssuedPolicyDetails;
}

export interface IndexedContracts extends ParametricContracts {
  evidenceRegistry: string;
  consortiumAccess: string;
}

/** The event a log stands for, or null when the index does not keep it. */
export function decodeLog(log: Log, contracts: IndexedContracts, context: LogContext): ChainEvent | null {
  const parsed = parseKnown(log, contracts);
  if (parsed === null) return decodeParametric(log, contracts, context);
  const base = {
    id: `${log.blockNumber}-${log.index}`,
    contract: parsed.contract,
    blockNumber: log.blockNumber,
    blockTime: context.blockTime,
    transactionHash: log.transactionHash.toLowerCase(),
    logIndex: log.index,
  };
  const name = parsed.description.name as CoreEventName;
  const args = argsOf(name, parsed.description, contracts, context.transaction ?? null);
  return { ...base, about: subjectsOf(parsed.contract, args, contracts), name, args } as ChainEvent;
}

function decodeParametric(log: Log, contracts: IndexedContracts, context: LogContext): ChainEvent | null {
  const parsed = parseParametric(log, contracts);
  if (parsed === null) return null;
  const args = parametricArgs(parsed.description, context.issued);
  return {
    id: `${log.blockNumber}-${log.index}`,
    contract: parsed.contract,
    blockNumber: log.blockNumber,
    blockTime: context.blockTime,
    transactionHash: log.transactionHash.toLowerCase(),
    logIndex: log.index,
    about: subjectsOf(parsed.contract, args, contracts),
    name: parsed.description.name,
    args,
  } as ChainEvent;
}

/** Whether this log's event is one the calldata is needed for: a co-signature, or an issued policy's terms. */
export function needsTransaction(log: Log, contracts: IndexedContracts): boolean {
  return (
    parseKnown(log, contracts)?.description.name === 'DocumentCoSigned' ||
    parseParametric(log, contracts)?.description.name === 'PolicyIssued'
  );
}

function parseKnown(
  log: Log,
  contracts: IndexedContracts,
): { contract: ChainEvent['contract']; description: LogDescription } | null {
  const address = log.address.toLowerCase();
  if (address === contracts.evidenceRegistry.toLowerCase()) {
    const description = registryInterface.parseLog(log);
    if (description !== null && REGISTRY_EVENTS.has(description.name as ChainEventName)) {
      return { contract: 'EvidenceRegistry', description };
    }
  } else if (address === contracts.consortiumAccess.toLowerCase()) {
    const description = accessInterface.parseLog(log);
    if (description !== null && ACCESS_EVENTS.has(description.name as ChainEventName)) {
      return { contract: 'ConsortiumAccess', description };
    }
  }
  return null;
}

const ROLE_BY_ID = new Map<string, PartyRole>(PARTY_ROLES.map((role) => [roleId(role), role]));

/** Role name of a role id, or null for one that is none of the consortium roles. */
export function roleNameOf(id: string): PartyRole | null {
  return ROLE_BY_ID.get(id.toLowerCase()) ?? null;
}

const hash = (value: unknown) => String(value).toLowerCase();
const address = (value: unknown) => getAddress(String(value));
const small = (value: unknown) => Number(value);
const bytes = (value: unknown) => hexlify(value as string);

function enumName<T extends readonly string[]>(names: T, value: unknown, what: string): T[number] {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`unknown ${what} ${String(value)}`);
  return name;
}

/** The registry's and the consortium's events (the parametric ones are decoded in `parametric-decode.ts`). */
type CoreEventName = Exclude<ChainEventName, ParametricEventName>;

function argsOf(
  name: CoreEventName,
  event: LogDescription,
  contracts: IndexedContracts,
  transaction: LogContext['transaction'],
): ChainEventArgs[CoreEventName] {
  const a = event.args;
  switch (name) {
    case 'DocumentAnchored':
      return {
        documentHash: hash(a.documentHash),
        registrant: address(a.registrant),
        termsHash: hash(a.termsHash),
        documentType: enumName(DOCUMENT_TYPES, a.documentType, 'document type'),
        retentionClass: small(a.retentionClass),
        policyRef: String(a.policyRef),
        storagePointer: String(a.storagePointer),
        requiredSigners: (a.requiredSigners as string[]).map(address),
      } satisfies ChainEventArgs['DocumentAnchored'];
    case 'DocumentSuperseded':
      return {
        previousHash: hash(a.previousHash),
        documentHash: hash(a.documentHash),
        chainRoot: hash(a.chainRoot),
        version: small(a.version),
      } satisfies ChainEventArgs['DocumentSuperseded'];
    case 'DocumentCoSigned': {
      const documentHash = hash(a.documentHash);
      const signer = address(a.signer);
      return {
        documentHash,
        signer,
        signatureCount: small(a.signatureCount),
        requiredSignerCount: small(a.requiredSignerCount),
        ...coSignatureCalldata(transaction, contracts, documentHash, signer),
      } satisfies ChainEventArgs['DocumentCoSigned'];
    }
    case 'TermsCoSigned':
      return {
        documentHash: hash(a.documentHash),
        signer: address(a.signer),
        termsType: enumName(TERMS_TYPES, a.termsType, 'terms type'),
        termsHash: hash(a.termsHash),
      } satisfies ChainEventArgs['TermsCoSigned'];
    case 'DocumentRevoked':
      return {
        documentHash: hash(a.documentHash),
        revokedBy: address(a.revokedBy),
        reason: enumName(REVOCATION_REASONS, a.reason, 'revocation reason'),
      } satisfies ChainEventArgs['DocumentRevoked'];
    case 'BatchAnchored':
      return {
        merkleRoot: hash(a.merkleRoot),
        registrant: address(a.registrant),
        documentCount: small(a.documentCount),
        storagePointer: String(a.storagePointer),
      } satisfies ChainEventArgs['BatchAnchored'];
    case 'PartyRegistered':
      return {
        account: address(a.account),
        legalName: String(a.legalName),
        identifier: String(a.identifier),
        encryptionPublicKey: bytes(a.encryptionPublicKey),
      } satisfies ChainEventArgs['PartyRegistered'];
    case 'ClientOnboarded':
      return {
        account: address(a.account),
        insurer: address(a.insurer),
        identifierHash: hash(a.identifierHash),
      } satisfies ChainEventArgs['ClientOnboarded'];
    case 'PartyEncryptionKeyChanged':
      return {
        account: address(a.account),
        encryptionPublicKey: bytes(a.encryptionPublicKey),
      } satisfies ChainEventArgs['PartyEncryptionKeyChanged'];
    case 'PartyActiveChanged':
      return { account: address(a.account), active: Boolean(a.active) } satisfies ChainEventArgs['PartyActiveChanged'];
    case 'RoleGranted':
    case 'RoleRevoked':
      return {
        role: roleNameOf(hash(a.role)),
        roleId: hash(a.role),
        account: address(a.account),
        sender: address(a.sender),
      } satisfies ChainEventArgs['RoleGranted'];
  }
}

/**
 * Nonce, deadline and signature of a co-signature, from the calldata of a transaction that called the registry's
 * `cosign` or `cosignTerms` directly for this document and signer; nulls otherwise (a call through another contract,
 * whose calldata would need that contract's ABI).
 */
function coSignatureCalldata(
  transaction: LogContext['transaction'],
  contracts: IndexedContracts,
  documentHash: string,
  signer: string,
): { nonce: string | null; deadline: string | null; signature: string | null } {
  const none = { nonce: null, deadline: null, signature: null };
  if (transaction === null || transaction === undefined) return none;
  if (transaction.to?.toLowerCase() !== contracts.evidenceRegistry.toLowerCase()) return none;
  const call = registryInterface.parseTransaction({ data: transaction.data });
  if (call === null || (call.name !== 'cosign' && call.name !== 'cosignTerms')) return none;
  if (hash(call.args.documentHash) !== documentHash || address(call.args.signer) !== signer) return none;
  return {
    nonce: (call.args.nonce as bigint).toString(),
    deadline: (call.args.deadline as bigint).toString(),
    signature: hexlify(call.args.signature as string),
  };
}
