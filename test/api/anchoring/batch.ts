import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { expect } from 'chai';
import { hexlify, randomBytes } from 'ethers';
import { standardBytes32Tree } from '../../../services/ledger/verification-proofs.js';

describe('standardBytes32Tree', function () {
  for (const size of [1, 2, 3, 4, 5, 7, 8, 33, 100, 257]) {
    it(`gives StandardMerkleTree's root and proofs for ${size} documents`, function () {
      const hashes = Array.from({ length: size }, () => hexlify(randomBytes(32)));
      const reference = StandardMerkleTree.of(
        hashes.map((hash) => [hash]),
        ['bytes32'],
      );
      const { root, proofs } = standardBytes32Tree(hashes);
      expect(root).to.equal(reference.root);
      hashes.forEach((hash, index) => {
        expect(proofs[index]).to.deep.equal(reference.getProof(index));
        expect(StandardMerkleTree.verify(root, ['bytes32'], [hash], proofs[index]!)).to.equal(true);
      });
    });
  }
});
