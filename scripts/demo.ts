/**
 * `npm run demo [-- --json] [-- --only flight,weather,documents] [-- --fresh]`: the narrated scenario on a running
 * stack (`npm start`), acting as each party through the API with the keys in `<dataDir>/api/dev-keys.json` and moving
 * the local chain's clock instead of waiting (see services/demo/). Run again, it sells new policies on new dates; run
 * after a crash, it resumes the interrupted run. Exit code 0 when every step completed, 1 otherwise. With `--json`,
 * one JSON object per line: `say`, `step` (what happened, transaction, seconds), and last the run's `summary`.
 */
import { Command, Option } from 'commander';
import { jsonNarrator, textNarrator } from '../services/demo/narrate.js';
import { DEMO_PARTS, runDemo, type DemoPartName } from '../services/demo/scenario.js';

interface CommandOptions {
  json?: boolean;
  only?: DemoPartName[];
  fresh?: boolean;
  dataDir?: string;
  rpc?: string;
}

const program = new Command('npm run demo --')
  .description(
    'Runs the PolicyLedger demo on the stack `npm start` runs: a flight delay and a rainfall policy sold, observed, ' +
      'paid and ceded; a document anchored, verified, superseded and its certificate checked offline. It moves the ' +
      'local chain’s clock (chain 31337 only) rather than waiting for hours.',
  )
  .option('--json', 'print one JSON object per line instead of the narration')
  .addOption(
    new Option('--only <parts>', `run only these parts, comma-separated (${DEMO_PARTS.join(', ')})`).argParser(
      (value) =>
        value.split(',').map((part) => {
          if (!(DEMO_PARTS as readonly string[]).includes(part)) {
            throw new Error(`--only: unknown part "${part}" (${DEMO_PARTS.join(', ')})`);
          }
          return part as DemoPartName;
        }),
    ),
  )
  .option('--fresh', 'start a new run even if the last one was interrupted (default: resume it)')
  .option('--data-dir <dir>', 'the stack’s data folder (default: $POLICYLEDGER_DATA_DIR or ./data)')
  .option('--rpc <url>', 'the local chain (default: the running chain’s recorded address)')
  .addHelpText(
    'after',
    '\nEach step prints what happened, its transaction and how long it took; the demo ends with the figures.\n' +
      'The files it writes (documents, certificate) and its journal are in <dataDir>/demo/.',
  );

async function main(): Promise<void> {
  const options = program.parse().opts<CommandOptions>();
  const summary = await runDemo({
    narrator: options.json === true ? jsonNarrator() : textNarrator(),
    ...(options.only === undefined ? {} : { parts: options.only }),
    fresh: options.fresh === true,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.rpc === undefined ? {} : { rpcUrl: options.rpc }),
  });
  if (options.json === true) console.log(JSON.stringify({ type: 'summary', ...summary }));
}

main().catch((error: unknown) => {
  console.error(`The demo stopped: ${error instanceof Error ? error.message : String(error)}`);
  console.error('Run `npm run demo` again once the stack is up: it resumes where it stopped.');
  process.exit(1);
});
