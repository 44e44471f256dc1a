import hre from 'hardhat';

/**
 * Options for every anvil chain a test starts. Under `hardhat test --coverage` the contracts are instrumented and
 * several exceed EIP-170's 24 KiB code size limit, which anvil enforces; only then is the limit lifted.
 */
export function testChainArgs(): string[] {
  return hre.globalOptions.coverage === true ? ['--disable-code-size-limit'] : [];
}
