import { HDNodeWallet, Mnemonic, NonceManager, hexlify, type Provider } from 'ethers';
import type { PartyRegistration } from '../../services/ledger/deploy.js';
import { localEncryptionKeyPair, type EncryptionKeyPair } from '../../services/storage/keys.js';

/**
 * The local chain's well-known development mnemonic (anvil's default). Its keys are public knowledge and hold
 * value on no real network; they exist only so the embedded stack has parties that can sign.
 */
export const LOCAL_DEV_MNEMONIC = 'test test test test test test test test test test test junk';

export type LocalRole = 'ADMIN' | 'INSURER' | 'REINSURER' | 'CLIENT' | 'ORACLE' | 'AUDITOR';

export interface LocalParty {
  name: string;
  role: LocalRole;
  identifier: string;
  wallet: HDNodeWallet;
}

/**
 * The demo consortium of the embedded stack: two operators, an insurer, a reinsurer, a client, four oracles (quorum 3:
 * one faulty node tolerated) and an auditor. The fourth oracle comes last, so every earlier party keeps its account.
 */
const LOCAL_CONSORTIUM: readonly { name: string; role: LocalRole; identifier: string }[] = [
  { name: 'PolicyLedger Operator A', role: 'ADMIN', identifier: '5493000LOCALADMIN0001' },
  { name: 'PolicyLedger Operator B', role: 'ADMIN', identifier: '5493000LOCALADMIN0002' },
  { name: 'Harbour Mutual Insurance plc', role: 'INSURER', identifier: '5493000LOCALINSURER01' },
  { name: 'Northern Re AG', role: 'REINSURER', identifier: '5493000LOCALREINSUR01' },
  { name: 'Acme Travel GmbH', role: 'CLIENT', identifier: '5493000LOCALCLIENT001' },
  { name: 'Oracle Node One BV', role: 'ORACLE', identifier: '5493000LOCALORACLE001' },
  { name: 'Oracle Node Two BV', role: 'ORACLE', identifier: '5493000LOCALORACLE002' },
  { name: 'Oracle Node Three BV', role: 'ORACLE', identifier: '5493000LOCALORACLE003' },
  { name: 'Prudential Supervisor', role: 'AUDITOR', identifier: '5493000LOCALAUDITOR01' },
  { name: 'Oracle Node Four BV', role: 'ORACLE', identifier: '5493000LOCALORACLE004' },
];

/** The local parties, each with the development account at its index, connected to `provider` when given. */
export function localParties(provider?: Provider): (LocalParty & { signer: NonceManager })[] {
  const mnemonic = Mnemonic.fromPhrase(LOCAL_DEV_MNEMONIC);
  return LOCAL_CONSORTIUM.map((party, index) => {
    const wallet = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${index}`);
    // Back-to-back transactions from one account need local nonce tracking.
    return { ...party, wallet, signer: new NonceManager(provider === undefined ? wallet : wallet.connect(provider)) };
  });
}

/**
 * A local party's X25519 encryption key pair, derived from its development wallet key (`localEncryptionKeyPair`):
 * deterministic, so every process of the embedded stack holds the same keys, and as public as the mnemonic.
 */
export function localEncryptionKeysOf(party: Pick<LocalParty, 'wallet'>): EncryptionKeyPair {
  return localEncryptionKeyPair(party.wallet.privateKey);
}

/** The on-chain registration of a local party; its encryption key is its raw 32-byte X25519 public key. */
export function registrationOf(party: LocalParty): PartyRegistration {
  return {
    account: party.wallet.address,
    legalName: party.name,
    identifier: party.identifier,
    encryptionPublicKey: hexlify(localEncryptionKeysOf(party).publicKey),
  };
}
