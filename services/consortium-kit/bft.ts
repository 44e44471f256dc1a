/**
 * How many faulty validators (or oracle nodes) a group of n tolerates. QBFT, like every Byzantine fault tolerant
 * protocol, stays safe and live with f faulty members when n ≥ 3f + 1 ("QBFT requires four validators to be Byzantine
 * fault tolerant", Besu's QBFT page), and Besu seals a block once ceil(2n/3) validators committed to it
 * (`BftHelpers.calculateRequiredValidatorQuorum`). For n = 3f + 1 that quorum is 2f + 1.
 */
export interface BftThreshold {
  /** Members of the group (validators, or oracle nodes). */
  members: number;
  /** f: faulty members tolerated, the largest f with members ≥ 3f + 1. */
  faultTolerance: number;
  /** Besu's commit quorum, ceil(2n/3): seals a block needs. */
  quorum: number;
}

export function bftThreshold(members: number): BftThreshold {
  if (!Number.isInteger(members) || members < 1) throw new RangeError(`a BFT group needs at least one member`);
  return {
    members,
    faultTolerance: Math.floor((members - 1) / 3),
    quorum: Math.ceil((2 * members) / 3),
  };
}

/**
 * The oracle hub's quorum for one oracle node per member: 2f + 1 agreeing reports, so that the f nodes that may be
 * faulty can neither decide an outcome alone nor, by staying silent, stop the others from reaching it.
 */
export function oracleQuorum(oracles: number): number {
  return 2 * bftThreshold(oracles).faultTolerance + 1;
}
