import { createRequire } from 'node:module';
import hardhatToolboxMochaEthers from '@nomicfoundation/hardhat-toolbox-mocha-ethers';
import { defineConfig } from 'hardhat/config';

const require = createRequire(import.meta.url);

// The compiler is the solc-js build pinned in package.json, so compiling never downloads anything.
const SOLC_VERSION = '0.8.28';

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    compilers: [
      {
        version: SOLC_VERSION,
        path: require.resolve('solc/soljson.js'),
        settings: {
          optimizer: { enabled: true, runs: 200 },
          // OpenZeppelin Contracts 5 uses mcopy.
          evmVersion: 'cancun',
        },
      },
    ],
    overrides: {
      'contracts/products/WeatherIndexProduct.sol': {
        version: SOLC_VERSION,
        path: require.resolve('solc/soljson.js'),
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', viaIR: true },
      },
    },
  },
  paths: {
    tests: { mocha: 'test', solidity: 'test' },
  },
  networks: {
    localhost: {
      type: 'http',
      chainType: 'l1',
      url: process.env.POLICYLEDGER_RPC_URL ?? 'http://127.0.0.1:8545',
    },
  },
});
