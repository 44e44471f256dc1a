import { ethers } from 'ethers';
import type { IEvidenceRegistry } from '../../types/ethers-contracts/index.js';

/** The `IEvidenceRegistry.DocumentType` values the benchmark anchors. */
export const DocumentType = { Policy: 0, Endorsement: 1 } as const;

/** `IEvidenceRegistry.RevocationReason.CancelledByInsurer`. */
export const REVOCATION_CANCELLED_BY_INSURER = 2;

/** `EvidenceRegistry.RETENTION_PROPERTY`: records kept 15 years after the cover ends. */
export const RETENTION_PROPERTY = 2;

/** The metadata both systems record for one document, in the registry's own input shape. */
export type DocumentRecord = IEvidenceRegistry.AnchorInputStruct & {
  documentHash: string;
  termsHash: string;
  documentType: number;
  retentionClass: number;
  requiredSigners: string[];
};

/** RFC 4648 base32, lower case, unpadded: the alphabet of multibase prefix `b`, in which IPFS prints CIDv1. */
const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >> bits) & 31);
    }
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** Multicodec header of a CIDv1 for a raw block hashed with sha2-256: version 1, codec raw, sha2-256, 32 bytes. */
const RAW_SHA256_CID_PREFIX = new Uint8Array([0x01, 0x55, 0x12, 0x20]);

/** The CIDv1 of `bytes` stored as a single raw IPFS block (the 59-character `bafkrei…` form). */
export function rawCidV1(bytes: Uint8Array): string {
  return `b${base32(ethers.getBytes(ethers.concat([RAW_SHA256_CID_PREFIX, ethers.sha256(bytes)])))}`;
}

/** A policy reference in the insurer's format, e.g. `PL-2026-000123`. */
export function policyRef(sequence: number): string {
  return `PL-2026-${String(sequence).padStart(6, '0')}`;
}

/**
 * A made-up but realistically sized document: its SHA-256, a non-zero terms hash, the CID of its (stand-in)
 * encrypted copy and the parties that must co-sign it. Each `sequence` gives a distinct document.
 */
export function insuranceDocument(
  sequence: number,
  requiredSigners: string[],
  documentType: number = DocumentType.Policy,
): DocumentRecord {
  const reference = policyRef(sequence);
  const text = `Policy schedule ${reference}, document type ${documentType}: property cover, sum insured EUR 2,500,000`;
  const bytes = ethers.toUtf8Bytes(text);
  return {
    documentHash: ethers.sha256(bytes),
    // Stands in for the EIP-712 struct hash of the executable terms: 32 bytes either way.
    termsHash: ethers.keccak256(ethers.toUtf8Bytes(`terms of ${reference}`)),
    documentType,
    retentionClass: RETENTION_PROPERTY,
    policyRef: reference,
    storagePointer: rawCidV1(ethers.toUtf8Bytes(`encrypted: ${text}`)),
    requiredSigners,
  };
}
