/**
 * Besu's file formats, written from Besu's documentation (besu-docs: "Genesis file items", "Configure QBFT consensus",
 * "Configure free gas networks", "Use a configuration file", "Use local permissioning", the command line options
 * reference), to check what the kit generates against the documentation rather than against itself.
 */
import { isAddress } from 'ethers';
import { z } from 'zod';

const hexQuantity = z.string().regex(/^0x[0-9a-fA-F]+$/, 'a 0x-prefixed hexadecimal number');
const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, '0x-prefixed hex bytes');
const hexOrDecimal = z.union([hexQuantity, z.string().regex(/^\d+$/)]);
const address = z.string().refine((value) => isAddress(value), 'an address');
const blockNumber = z.number().int().min(0);

/**
 * A QBFT genesis file with block header validator selection. Item names are case-insensitive for Besu (except the
 * addresses in `alloc`), so the schema reads them lowercased (`lowercaseGenesisKeys`). Unknown items are refused: Besu
 * would ignore a misspelt one silently.
 */
export const besuQbftGenesisSchema = z
  .object({
    config: z
      .object({
        chainid: z.number().int().positive(),
        // Milestones: block numbers up to London ("Milestone blocks"), timestamps from Shanghai on.
        homesteadblock: blockNumber.optional(),
        eip150block: blockNumber.optional(),
        eip155block: blockNumber.optional(),
        eip158block: blockNumber.optional(),
        byzantiumblock: blockNumber.optional(),
        constantinopleblock: blockNumber.optional(),
        petersburgblock: blockNumber.optional(),
        istanbulblock: blockNumber.optional(),
        muirglacierblock: blockNumber.optional(),
        berlinblock: blockNumber.optional(),
        londonblock: blockNumber.optional(),
        shanghaitime: blockNumber.optional(),
        cancuntime: blockNumber.optional(),
        contractsizelimit: z.number().int().positive().max(2_147_483_647).optional(),
        evmstacksize: z.number().int().positive().optional(),
        zerobasefee: z.boolean().optional(),
        qbft: z
          .object({
            blockperiodseconds: z.number().int().positive(),
            epochlength: z.number().int().positive(),
            requesttimeoutseconds: z.number().int().positive(),
            blockreward: hexOrDecimal.optional(),
            miningbeneficiary: address.optional(),
          })
          .strict(),
      })
      .strict(),
    nonce: hexQuantity,
    timestamp: hexQuantity,
    gaslimit: hexQuantity,
    // "The properties with specific values in the QBFT genesis files".
    difficulty: z.literal('0x1'),
    mixhash: z.literal('0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365'),
    coinbase: address,
    basefeepergas: hexQuantity.optional(),
    extradata: hexBytes,
    alloc: z.record(
      z.string().regex(/^(0x)?[0-9a-fA-F]{40}$/, 'an account address'),
      z
        .object({
          balance: hexOrDecimal,
          code: hexBytes.optional(),
          storage: z.record(z.string(), z.string()).optional(),
          comment: z.string().optional(),
          privatekey: z.string().optional(),
        })
        .strict(),
    ),
    number: hexQuantity.optional(),
    gasused: hexQuantity.optional(),
    parenthash: hexBytes.optional(),
  })
  .strict();

/** The genesis with every item name lowercased, except the account addresses under `alloc`. */
export function lowercaseGenesisKeys(value: unknown, underAlloc = false): unknown {
  if (Array.isArray(value)) return value.map((item) => lowercaseGenesisKeys(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      underAlloc ? key : key.toLowerCase(),
      lowercaseGenesisKeys(item, !underAlloc && key.toLowerCase() === 'alloc'),
    ]),
  );
}

/** Options the kit's Besu configuration may set, each in Besu's command line options reference. */
export const DOCUMENTED_BESU_OPTIONS = new Set([
  'data-path',
  'genesis-file',
  'profile',
  'min-gas-price',
  'revert-reason-enabled',
  'p2p-host',
  'p2p-port',
  'bootnodes',
  'rpc-http-enabled',
  'rpc-http-host',
  'rpc-http-port',
  'rpc-http-api',
  'host-allowlist',
  'permissions-nodes-config-file-enabled',
  'permissions-accounts-config-file-enabled',
]);

/**
 * Reads the flat TOML of Besu's configuration and permissions files: each line a comment, blank, or `key=value` with a
 * string, integer, boolean or array-of-strings value (the syntax TOML and JSON share). Throws on any other line.
 */
export function readFlatToml(text: string): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = /^([a-z][a-z0-9-]*)=(.+)$/.exec(line);
    if (match === null) throw new Error(`line ${index + 1} is not key=value: ${line}`);
    const [, key, raw] = match as unknown as [string, string, string];
    if (entries.has(key)) throw new Error(`line ${index + 1}: ${key} is set twice`);
    entries.set(key, JSON.parse(raw) as unknown);
  }
  return entries;
}
