/**
 * What a member must keep besides the archive: the files its configuration names outside the data directory, the
 * document content held by a Kubo node, and the passwords that only the environment holds. A backup cannot save them;
 * the command line says so each time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The API's settings that name files, and what each file is. */
const API_FILES = [
  ['POLICYLEDGER_API_KEYSTORE', "the API's transaction keystore"],
  ['POLICYLEDGER_API_ENCRYPTION_KEY', "the API's encryption key file"],
  ['POLICYLEDGER_DEPLOYMENT', 'the deployment record'],
  ['POLICYLEDGER_API_PEERS', "the peers file (other members' API keys)"],
] as const;

/** One line per thing to keep apart from the archive, for the configuration in `env` and the nodes under `dataDir`. */
export function keptOutsideTheBackup(env: NodeJS.ProcessEnv, dataDir: string, cwd = process.cwd()): string[] {
  const root = path.resolve(dataDir);
  const outside = (file: string) =>
    path.relative(root, file).startsWith('..') || path.isAbsolute(path.relative(root, file));
  const lines: string[] = [];
  for (const [variable, what] of API_FILES) {
    const value = env[variable];
    if (value !== undefined && value !== '' && outside(path.resolve(cwd, value))) {
      lines.push(`${what} (${variable}=${value}) is outside the data directory`);
    }
  }
  const ipfs = env.POLICYLEDGER_IPFS;
  if (ipfs?.startsWith('kubo:') === true) {
    lines.push(`document content is in the Kubo node at ${ipfs.slice('kubo:'.length)}: back up its repository`);
  }
  const passwords = new Set<string>();
  for (const variable of ['POLICYLEDGER_API_KEYSTORE_PASSWORD', 'POLICYLEDGER_API_ENCRYPTION_KEY_PASSWORD']) {
    if (env[variable] !== undefined && env[variable] !== '') passwords.add(variable);
  }
  for (const node of oracleConfigs(root)) {
    if (node.keystore !== undefined && outside(node.keystore)) {
      lines.push(`oracle node ${node.name}'s keystore ${node.keystore} is outside the data directory`);
    }
    // The embedded nodes' password is kept in the data directory (oracles/local-password) and set from it.
    if (node.passwordEnv !== undefined && node.passwordEnv !== 'POLICYLEDGER_LOCAL_ORACLE_PASSWORD') {
      passwords.add(node.passwordEnv);
    }
  }
  if (passwords.size > 0) {
    lines.push(
      `passwords held only in the environment (${[...passwords].join(', ')}): keep them apart from the archive`,
    );
  }
  return lines;
}

/** The oracle node configurations under `<dataDir>/oracles`, with their keystore path resolved. */
function oracleConfigs(dataDir: string): { name: string; keystore?: string; passwordEnv?: string }[] {
  const folder = path.join(dataDir, 'oracles');
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.json') && !name.endsWith('.keystore.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const config = JSON.parse(readFileSync(path.join(folder, name), 'utf8')) as Record<string, unknown>;
      if (typeof config.keystore !== 'string') return [];
      return [
        {
          name: typeof config.name === 'string' ? config.name : name,
          keystore: path.resolve(folder, config.keystore),
          ...(typeof config.passwordEnv === 'string' ? { passwordEnv: config.passwordEnv } : {}),
        },
      ];
    } catch {
      return [];
    }
  });
}
