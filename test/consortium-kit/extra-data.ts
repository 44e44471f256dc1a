import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { encodeRlp, getAddress } from 'ethers';
import { decodeQbftExtraData, encodeQbftExtraData, GENESIS_VANITY } from '../../services/consortium-kit/extra-data.js';
import { besuQbftGenesisSchema, lowercaseGenesisKeys } from './besu-formats.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/besu/${name}`, import.meta.url), 'utf8');

describe('QBFT genesis extraData', function () {
  it("reproduces Besu's documented `rlp encode` example byte for byte", function () {
    const validators = JSON.parse(fixture('qbft-toEncode.json')) as string[];
    expect(encodeQbftExtraData(validators)).to.equal(fixture('qbft-extra-data-encoded.txt').trim());
  });

  it("decodes Besu's documented example to its four validators, no vote, round 0 and no seals", function () {
    const decoded = decodeQbftExtraData(fixture('qbft-extra-data-encoded.txt').trim());
    expect(decoded.vanity).to.equal(GENESIS_VANITY);
    expect(decoded.validators).to.deep.equal(
      (JSON.parse(fixture('qbft-toEncode.json')) as string[]).map((address) => getAddress(address)),
    );
    expect(decoded.vote).to.deep.equal([]);
    expect(decoded.round).to.equal(0);
    expect(decoded.seals).to.deep.equal([]);
  });

  it("decodes the extraData of Besu's example genesis and re-encodes it unchanged", function () {
    const genesis = JSON.parse(fixture('qbft-genesis-example.json')) as { extraData: string };
    const { validators } = decodeQbftExtraData(genesis.extraData);
    expect(validators).to.have.length(4);
    expect(encodeQbftExtraData(validators)).to.equal(genesis.extraData);
  });

  it("accepts Besu's example genesis under the schema written from Besu's documentation", function () {
    const result = besuQbftGenesisSchema.safeParse(
      lowercaseGenesisKeys(JSON.parse(fixture('qbft-genesis-example.json'))),
    );
    expect(result.success, JSON.stringify(result.error?.issues)).to.equal(true);
  });

  it('refuses extraData that is not the five QBFT fields', function () {
    expect(() => decodeQbftExtraData(encodeRlp([GENESIS_VANITY, [], '0x', []]))).to.throw(/five fields/);
    expect(() => decodeQbftExtraData(encodeRlp(['0x00', [], [], '0x', []]))).to.throw(/vanity is not 32 bytes/);
    expect(() => decodeQbftExtraData(encodeRlp([GENESIS_VANITY, ['0x01'], [], '0x', []]))).to.throw(/20-byte/);
  });
});
