export { StorageError, isStorageError, type StorageErrorCode } from './errors.js';
export {
  hashAndSeal,
  openSealed,
  documentHashOf,
  SEALED_FORMAT_VERSION,
  SEALED_OVERHEAD_BYTES,
  type SealOptions,
  type SealedDocument,
} from './envelope.js';
export { wrapContentKey, unwrapContentKey, WRAP_INFO, type WrapContext } from './wrap.js';
export { wrapContentKeyInWorker } from './wrap-pool.js';
export {
  generateEncryptionKeyPair,
  localEncryptionKeyPair,
  encryptionPublicKeyOf,
  parseEncryptionPublicKey,
  saveEncryptionKeyFile,
  loadEncryptionKeyFile,
  type EncryptionKeyPair,
} from './keys.js';
export {
  parseCid,
  KUBO_CHUNK_SIZE,
  type ContentStore,
  type ContentStoreOptions,
  type CidVersion,
  type FetchOptions,
  type NodeIdentity,
} from './content-store.js';
export { peerIdentity, type PeeringOptions, type PeeringLogger } from './peering.js';
export { parseLanTcpAddress, type LanTcpAddress } from './peering-addresses.js';
export { openHeliaContentStore } from './helia.js';
export { openKuboContentStore } from './kubo.js';
