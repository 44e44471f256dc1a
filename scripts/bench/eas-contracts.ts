/**
 * The parts of the Ethereum Attestation Service the benchmark uses, deployed from the artifacts shipped in
 * `@ethereum-attestation-service/eas-contracts`. EAS is compiled with solc 0.8.29, newer than our pinned 0.8.28, so
 * it cannot be built here. The package's own TypeChain types resolve `ethers` as CommonJS, which does not mix with
 * our ES-module `ethers`, hence the few method types declared below.
 */
import easArtifact from '@ethereum-attestation-service/eas-contracts/artifacts/contracts/EAS.sol/EAS.json' with { type: 'json' };
import schemaRegistryArtifact from '@ethereum-attestation-service/eas-contracts/artifacts/contracts/SchemaRegistry.sol/SchemaRegistry.json' with { type: 'json' };
import { ContractFactory, type AddressLike, type BaseContract, type BigNumberish, type BytesLike } from 'ethers';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/types';
import type { TypedContractMethod } from '../../types/ethers-contracts/common.js';

/** `AttestationRequestData` in EAS's `IEAS.sol`. */
export interface AttestationRequestData {
  recipient: AddressLike;
  expirationTime: BigNumberish;
  revocable: boolean;
  refUID: BytesLike;
  data: BytesLike;
  value: BigNumberish;
}

/** The fields of EAS's `Attestation` (`Common.sol`) the benchmark reads back. */
export interface AttestationRecord {
  uid: string;
  refUID: string;
  revocationTime: bigint;
  data: string;
}

/** The `SchemaRegistry` methods the benchmark calls. */
export interface SchemaRegistryMethods {
  register: TypedContractMethod<[schema: string, resolver: AddressLike, revocable: boolean], [string], 'nonpayable'>;
}

/** The `EAS` methods the benchmark calls. */
export interface EasMethods {
  attest: TypedContractMethod<[request: { schema: BytesLike; data: AttestationRequestData }], [string], 'payable'>;
  multiAttest: TypedContractMethod<
    [multiRequests: { schema: BytesLike; data: AttestationRequestData[] }[]],
    [string[]],
    'payable'
  >;
  revoke: TypedContractMethod<
    [request: { schema: BytesLike; data: { uid: BytesLike; value: BigNumberish } }],
    [void],
    'payable'
  >;
  getAttestation: TypedContractMethod<[uid: BytesLike], [AttestationRecord], 'view'>;
}

export type SchemaRegistryContract = BaseContract & SchemaRegistryMethods;
export type EasContract = BaseContract & EasMethods;

/** A deployed Ethereum Attestation Service, and how to reach it as another account. */
export interface EasDeployment {
  schemaRegistry: SchemaRegistryContract;
  eas: EasContract;
  /** Both contracts with `account` as the sender. */
  as(account: HardhatEthersSigner): { schemaRegistry: SchemaRegistryContract; eas: EasContract };
}

/** Deploys EAS's `SchemaRegistry`, then `EAS`, whose constructor takes the registry's address. */
export async function deployEas(deployer: HardhatEthersSigner): Promise<EasDeployment> {
  const registryFactory = new ContractFactory<[], SchemaRegistryMethods>(
    schemaRegistryArtifact.abi,
    schemaRegistryArtifact.bytecode,
    deployer,
  );
  const schemaRegistry = await registryFactory.deploy();
  await schemaRegistry.waitForDeployment();
  const registryAddress = await schemaRegistry.getAddress();

  const easFactory = new ContractFactory<[registry: string], EasMethods>(
    easArtifact.abi,
    easArtifact.bytecode,
    deployer,
  );
  const eas = await easFactory.deploy(registryAddress);
  await eas.waitForDeployment();
  const easAddress = await eas.getAddress();

  return {
    schemaRegistry,
    eas,
    as: (account) => ({
      schemaRegistry: registryFactory.connect(account).attach(registryAddress),
      eas: easFactory.connect(account).attach(easAddress),
    }),
  };
}
