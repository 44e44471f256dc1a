import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Wallet } from 'ethers';
import { describeError } from '../ledger/describe-error.js';
import { ConfigError, loadNodeConfig } from './node/config.js';
import { startOracleNode } from './node/run.js';

/** Where a command writes, and where an imported key is read from when it comes on standard input. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Everything on standard input, as text. */
  readStdin: () => Promise<string>;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    if (process.stdin.isTTY) process.stderr.write('Paste the private key, then press Enter and Ctrl-D:\n');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** A command that could not do what was asked and says why: exit code 1. */
class Refusal extends Error {}

/** A key on the command line, as a value or in an option that would carry one. */
const KEY_ON_COMMAND_LINE = /^(?:--private-key(?:=.*)?|(?:0x)?[0-9a-fA-F]{64})$/;

/**
 * `oracle run --config <file>`: starts one oracle node and keeps it running until SIGINT or SIGTERM.
 * `oracle keystore --out <file> [--private-key-file <file|-> | --private-key-env <VARIABLE>]`: writes an oracle key,
 * encrypted with the password in POLICYLEDGER_KEYSTORE_PASSWORD, and prints its address (to be registered as an
 * ORACLE party): a new random key, or an existing one imported from a file, standard input (`-`) or an environment
 * variable — never from the command line, where `ps` and the shell's history would show it.
 *
 * Exit codes: 0 done; 1 refused or failed (an existing keystore, a key that is not one, a contract error); 2 bad
 * arguments or configuration.
 */
export async function runNodeCommand(
  command: 'run' | 'keystore',
  args: readonly string[],
  io: CommandIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    if (args.some((arg) => KEY_ON_COMMAND_LINE.test(arg))) {
      throw new ConfigError(
        'a private key is never taken from the command line, where ps and the shell history show it: use ' +
          '--private-key-file <file> (or - for standard input) or --private-key-env <VARIABLE>',
      );
    }
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          config: { type: 'string' },
          out: { type: 'string' },
          'private-key-file': { type: 'string' },
          'private-key-env': { type: 'string' },
        },
      }));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    if (command === 'keystore') {
      if (values.config !== undefined) throw new ConfigError('--config is an option of run, not of keystore');
      const { address, imported } = await writeKeystore(values, io, env);
      io.stdout(`${address}\n`);
      io.stderr(
        `${imported ? 'imported' : 'new'} oracle key ${address} written to ${path.resolve(values.out ?? '')}\n`,
      );
      return 0;
    }
    for (const option of ['out', 'private-key-file', 'private-key-env'] as const) {
      if (values[option] !== undefined) throw new ConfigError(`--${option} is an option of keystore, not of run`);
    }
    if (values.config === undefined) throw new ConfigError('--config is required');
    const running = await startOracleNode(loadNodeConfig(values.config), env);
    io.stdout(`oracle node ${running.node.name} (${await running.node.address()}) health on port ${running.port}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await running.stop();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`oracle: ${error.message}\n`);
      return 2;
    }
    io.stderr(`oracle: ${describeError(error)}\n`);
    return 1;
  }
}

/**
 * Writes the keystore `--out` names, never over an existing file: encrypted into a temporary file beside it, which is
 * then hard-linked to its name (a link, unlike a rename, fails when the name is taken) and removed.
 */
async function writeKeystore(
  values: { out?: string; 'private-key-file'?: string; 'private-key-env'?: string },
  io: CommandIo,
  env: NodeJS.ProcessEnv,
): Promise<{ address: string; imported: boolean }> {
  if (values.out === undefined) throw new ConfigError('--out is required');
  const out = path.resolve(values.out);
  // Checked first so that a mistake is told at once, before the seconds the encryption takes.
  if (existsSync(out)) throw keystoreExists(out);
  const password = env.POLICYLEDGER_KEYSTORE_PASSWORD;
  if (password === undefined || password === '') {
    throw new ConfigError('POLICYLEDGER_KEYSTORE_PASSWORD must hold the new keystore password');
  }
  const privateKey = await importedKey(values, io, env);
  const wallet = privateKey === undefined ? Wallet.createRandom() : new Wallet(privateKey);
  const json = await wallet.encrypt(password);

  const temporary = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(json);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw keystoreExists(out);
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return { address: wallet.address, imported: privateKey !== undefined };
}

function keystoreExists(file: string): Refusal {
  return new Refusal(`${file} already exists: a keystore is never overwritten (move it away, or choose another --out)`);
}

/** The private key to import, from the one source given; undefined when a new key is to be made. */
async function importedKey(
  values: { 'private-key-file'?: string; 'private-key-env'?: string },
  io: CommandIo,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const file = values['private-key-file'];
  const variable = values['private-key-env'];
  if (file !== undefined && variable !== undefined) {
    throw new ConfigError('give one of --private-key-file and --private-key-env, not both');
  }
  if (file === undefined && variable === undefined) return undefined;
  let source: string;
  let text: string;
  if (variable !== undefined) {
    source = `environment variable ${variable}`;
    const value = env[variable];
    if (value === undefined || value === '') throw new ConfigError(`${source} is not set`);
    text = value;
  } else if (file === '-') {
    source = 'standard input';
    text = await io.readStdin();
  } else {
    source = String(file);
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read ${source}: ${(error as Error).message}`);
    }
  }
  return parsePrivateKey(text, source);
}

/** A secp256k1 private key written as 64 hex digits, with or without 0x; the message never repeats the input. */
function parsePrivateKey(text: string, source: string): string {
  const trimmed = text.trim();
  const hex = trimmed.startsWith('0x') || trimmed.startsWith('0X') ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Refusal(`${source} does not hold a private key (64 hex digits, with or without 0x)`);
  }
  try {
    return new Wallet(`0x${hex}`).privateKey;
  } catch {
    throw new Refusal(`${source} holds 64 hex digits that are not a valid secp256k1 private key`);
  }
}
