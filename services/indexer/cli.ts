/**
 * The chain index's command line. `rebuild`: deletes the index (the SQLite file, or the index's tables in PostgreSQL)
 * and rebuilds it from the chain, starting at the deployment. Configuration as the API's (see `config.ts`).
 *
 *   npm run index:rebuild
 */
import { JsonRpcProvider } from 'ethers';
import { indexConfigFromEnv, loadDeployment } from './config.js';
import { rebuildChainIndex } from './rebuild.js';

const USAGE = 'usage: tsx services/indexer/cli.ts rebuild';

async function main(args: string[]): Promise<void> {
  const [command] = args;
  if (command !== 'rebuild') throw new Error(command === undefined ? USAGE : `unknown command "${command}"\n${USAGE}`);
  const config = indexConfigFromEnv();
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true });
  try {
    const deployment = await loadDeployment(config, provider);
    console.log(
      `Rebuilding the chain index in ${'sqliteFile' in config.location ? `SQLite ${config.location.sqliteFile}` : 'PostgreSQL'} ` +
        `from ${config.rpcUrl} (chain ${deployment.chainId}, registry ${deployment.evidenceRegistry})`,
    );
    const report = await rebuildChainIndex({ deployment, provider }, config.location);
    console.log(`Deleted the old index in ${report.store}.`);
    console.log(
      `Indexed blocks ${report.fromBlock} to ${report.toBlock ?? report.fromBlock}: ${report.events} events ` +
        `in ${report.seconds.toFixed(1)} s.`,
    );
  } finally {
    provider.destroy();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
