import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Wallet } from 'ethers';
import { ConfigError, loadNodeConfig } from './node/config.js';
import { startOracleNode } from './node/run.js';

/**
 * `oracle run --config <file>`: starts one oracle node and keeps it running until SIGINT or SIGTERM.
 * `oracle keystore --out <file>`: creates a new oracle key, encrypted with the password in
 * POLICYLEDGER_KEYSTORE_PASSWORD, and prints its address (to be registered as an ORACLE party).
 */
export async function runNodeCommand(command: 'run' | 'keystore', args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { config: { type: 'string' }, out: { type: 'string' } },
  });
  try {
    if (command === 'keystore') {
      const password = process.env.POLICYLEDGER_KEYSTORE_PASSWORD;
      if (values.out === undefined) throw new ConfigError('--out is required');
      if (password === undefined || password === '') {
        throw new ConfigError('POLICYLEDGER_KEYSTORE_PASSWORD must hold the new keystore password');
      }
      const wallet = Wallet.createRandom();
      writeFileSync(values.out, await wallet.encrypt(password), { mode: 0o600 });
      process.stdout.write(`${wallet.address}\n`);
      return 0;
    }
    if (values.config === undefined) throw new ConfigError('--config is required');
    const running = await startOracleNode(loadNodeConfig(values.config));
    process.stdout.write(
      `oracle node ${running.node.name} (${await running.node.address()}) health on port ${running.port}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.stop();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`oracle: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
