/**
 * QBFT's genesis `extraData`, as Besu's QBFT page defines it for block header validator selection:
 * `RLP([32 bytes Vanity, List<Validators>, No Vote, Round=Int(0), 0 Seals])` — what `besu rlp encode
 * --type=QBFT_EXTRA_DATA` prints for a list of validator addresses. No vote is an empty list, round 0 the empty byte
 * string (Besu writes integers as minimal big-endian scalars), no seals an empty list. Encoded and decoded with ethers'
 * RLP, never by hand.
 */
import { decodeRlp, encodeRlp, getAddress, isHexString, type RlpStructuredData } from 'ethers';

const VANITY_BYTES = 32;
const ADDRESS_BYTES = 20;
/** The genesis block's 32 bytes of vanity data: zeros. */
export const GENESIS_VANITY = `0x${'00'.repeat(VANITY_BYTES)}`;

export interface QbftExtraData {
  vanity: string;
  /** Checksummed validator addresses, in the encoded order. */
  validators: string[];
  /** The raw vote field: an empty list in the genesis block. */
  vote: RlpStructuredData;
  round: number;
  /** Commit seals (65-byte signatures), none in the genesis block. */
  seals: string[];
}

/** Genesis `extraData` naming `validators` (in the order given; Besu expects them in ascending order). */
export function encodeQbftExtraData(validators: readonly string[]): string {
  return encodeRlp([GENESIS_VANITY, validators.map((address) => getAddress(address).toLowerCase()), [], '0x', []]);
}

/** Decodes a QBFT `extraData`, refusing anything that is not the five fields above. */
export function decodeQbftExtraData(extraData: string): QbftExtraData {
  const fields = decodeRlp(extraData);
  if (!Array.isArray(fields) || fields.length !== 5) {
    throw new Error('QBFT extraData is an RLP list of five fields (vanity, validators, vote, round, seals)');
  }
  const [vanity, validators, vote, round, seals] = fields;
  if (!isBytes(vanity, VANITY_BYTES)) throw new Error('QBFT extraData: the vanity is not 32 bytes');
  if (!Array.isArray(validators) || !validators.every((entry) => isBytes(entry, ADDRESS_BYTES))) {
    throw new Error('QBFT extraData: the validators are not a list of 20-byte addresses');
  }
  if (typeof round !== 'string') throw new Error('QBFT extraData: the round is not a scalar');
  if (!Array.isArray(seals) || !seals.every((seal) => typeof seal === 'string')) {
    throw new Error('QBFT extraData: the seals are not a list');
  }
  return {
    vanity,
    validators: validators.map((address) => getAddress(address)),
    vote: vote ?? [],
    round: round === '0x' ? 0 : Number(BigInt(round)),
    seals,
  };
}

function isBytes(value: RlpStructuredData | undefined, length: number): value is string {
  return typeof value === 'string' && isHexString(value, length);
}
