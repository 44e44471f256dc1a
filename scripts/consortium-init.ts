/**
 * `npm run consortium:init -- --members 4 --out <dir>`: generates a Hyperledger Besu QBFT consortium for PolicyLedger
 * (services/consortium-kit/). Refuses a folder that is not empty.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ConsortiumKitError,
  initConsortium,
  joinConsortium,
  MAX_MEMBERS,
  MIN_MEMBERS,
} from '../services/consortium-kit/kit.js';
import { DEFAULT_NETWORK_SETTINGS } from '../services/consortium-kit/genesis.js';

const USAGE = `Usage: npm run consortium:init -- --members <n> --out <dir> [options]
       npm run consortium:init -- --join <kit dir> --out <dir> [--hosts <ip>] [--names <name>] [--identifiers <lei>]

Generates what an n-member Hyperledger Besu QBFT network running PolicyLedger needs: validator keys, genesis.json,
permissions_config.toml (account and node allowlists), founders.json, and per member its Besu configuration, oracle
node configuration, API configuration, keys and a README. <dir> must be new or empty. Keys are fresh on every run.

  --members <n>            members, one validator and one oracle node each (${MIN_MEMBERS}-${MAX_MEMBERS})
  --join <dir>             instead: one new member for the consortium whose network.json and genesis.json are in <dir>
  --out <dir>              where to write the kit (new or empty)
  --chain-id <id>          chain id (default ${DEFAULT_NETWORK_SETTINGS.chainId})
  --hosts <ip,…>           each member's IP address, or one for all (default 127.0.0.1: all on one machine)
  --names <name,…>         members' legal names (default "Member 1", …)
  --identifiers <lei,…>    members' LEIs, registered on chain (default placeholders to replace before deploying)
  -h, --help               show this help`;

const list = (value: string | undefined) => value?.split(',').map((item) => item.trim());

function wholeNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ConsortiumKitError(`${option} must be a whole number, got "${value}"`);
  return Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      members: { type: 'string' },
      out: { type: 'string' },
      'chain-id': { type: 'string' },
      hosts: { type: 'string' },
      names: { type: 'string' },
      identifiers: { type: 'string' },
      join: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  if (values.join !== undefined) {
    if (values.out === undefined) throw new ConsortiumKitError(`--out is required\n\n${USAGE}`);
    const { network, member } = await joinConsortium({
      network: values.join,
      out: values.out,
      host: values.hosts,
      name: values.names,
      identifier: values.identifiers,
    });
    const out = path.resolve(values.out);
    console.log(
      `Wrote ${member.id} (${member.name}), joining chain ${network.chainId}, to ${path.join(out, member.id)}`,
    );
    console.log(`  validator ${member.validator}  account ${member.account}  oracle ${member.oracle}`);
    console.log(`  enode ${member.enode}`);
    console.log(
      `Send ${path.join(out, 'README.md')}, network.json and permissions_config.toml to the members: they let it in.`,
    );
    return;
  }
  const members = wholeNumber('--members', values.members);
  if (members === undefined || values.out === undefined) {
    throw new ConsortiumKitError(`--members and --out are required\n\n${USAGE}`);
  }
  const chainId = wholeNumber('--chain-id', values['chain-id']);
  const network = await initConsortium({
    members,
    out: values.out,
    hosts: list(values.hosts),
    names: list(values.names),
    identifiers: list(values.identifiers),
    settings: chainId === undefined ? {} : { chainId },
  });
  const out = path.resolve(values.out);
  const { validators: bft } = network;
  console.log(`Wrote a ${members}-member QBFT consortium kit (chain ${network.chainId}) to ${out}`);
  console.log(
    `  validators: ${bft.members}, tolerating f = ${bft.faultTolerance} faulty (n ≥ 3f + 1); blocks need ${bft.quorum} commit seals`,
  );
  console.log(`  oracle nodes: ${members}, hub quorum to set: ${network.oracleQuorum} (2f + 1)`);
  for (const member of network.members) {
    console.log(`  ${member.id}  validator ${member.validator}  account ${member.account}  oracle ${member.oracle}`);
  }
  console.log(
    `Read ${path.join(out, 'README.md')}; each member's folder holds its private keys: hand it over privately.`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(
      error instanceof ConsortiumKitError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1,
    );
  });
}
