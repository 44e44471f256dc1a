/**
 * `policyledger status`: is the API alive (`/health`) and ready (`/ready`: chain reachable, index caught up, storage
 * writable), where is the chain's head and how far behind is the index, and who the CLI acts as (`/v1/me`).
 */
import { Command } from 'commander';
import { contextOf, type CliContext } from '../context.js';
import { ApiProblemError, describeError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

interface Me {
  account: string;
  party: { legalName: string; active: boolean };
  roles: string[];
  via: string;
}

export function statusCommand(): Command {
  return new Command('status')
    .summary('is the API up and ready; chain head, index lag, who am I')
    .description(
      'Asks the API whether it is alive (/health) and ready (/ready: the chain answers, the index is within its ' +
        "allowed lag of the chain's head, the data directory is writable), and, with credentials, who you act as\n" +
        '(/v1/me: account, party, roles).',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 ready, 6 not ready, 1 the API cannot be reached or refused the credentials.

Examples:
  $ policyledger status
  $ policyledger status --as insurer --json`,
    )
    .action(async (_options: object, command: Command) => {
      process.exitCode = await runStatus(contextOf(command));
    });
}

/** A number the readiness detail states after `label` ("head block 42", "at block 40, 2 behind"). */
function numberAfter(text: string | undefined, label: RegExp): number | null {
  const match = text === undefined ? null : label.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export async function runStatus(ctx: CliContext): Promise<ExitCode> {
  const api = ctx.api();
  const started = Date.now();
  // Readiness is asked anonymously, so that a refused key does not hide whether the API is up.
  const health = await api.request('GET', '/health', { accept: [503], anonymous: true });
  const latencyMs = Date.now() - started;
  const ready = await api.json<{ status: string; checks: ReadinessCheck[] }>('GET', '/ready', {
    accept: [503],
    anonymous: true,
  });
  const checks = ready.body.checks;
  const detailOf = (name: string) => checks.find((check) => check.name === name)?.detail;
  const chainHead = numberAfter(detailOf('chain'), /head block (\d+)/);
  const indexHead = numberAfter(detailOf('index'), /at block (\d+)/);

  let caller: Me | null = null;
  let callerError: Record<string, unknown> | null = null;
  if (api.authorization !== undefined) {
    try {
      caller = await api.get<Me>('/v1/me');
    } catch (error) {
      if (!(error instanceof ApiProblemError)) throw error;
      callerError = describeError(error).json;
    }
  }
  const isReady = health.ok && ready.status === 200;
  const exitCode = callerError !== null ? EXIT.ERROR : isReady ? EXIT.OK : EXIT.NOT_OK;

  if (ctx.out.json) {
    ctx.out.document({
      api: api.baseUrl,
      alive: health.ok,
      ready: isReady,
      latencyMs,
      checks,
      chain: { headBlock: chainHead },
      index: {
        headBlock: indexHead,
        lagBlocks: chainHead === null || indexHead === null ? null : chainHead - indexHead,
      },
      caller,
      callerError,
    });
    return exitCode;
  }
  ctx.out.print(`API      ${api.baseUrl}: ${health.ok ? 'alive' : `not alive (${health.status})`}, ${latencyMs} ms`);
  ctx.out.print(`ready    ${isReady ? 'yes' : 'NO'}`);
  for (const check of checks)
    ctx.out.print(`  [${check.ok ? 'ok  ' : 'FAIL'}] ${check.name.padEnd(8)} ${check.detail}`);
  if (chainHead !== null) {
    const lag = indexHead === null ? 'not synced' : `${chainHead - indexHead} blocks behind`;
    ctx.out.print(`chain    head block ${chainHead}; index ${lag}`);
  }
  if (caller !== null) {
    const active = caller.party.active ? '' : ' (INACTIVE)';
    ctx.out.print(
      `you      ${caller.account}, ${caller.party.legalName}${active}: ${caller.roles.join(', ')} (${caller.via})`,
    );
  } else if (callerError !== null) {
    ctx.out.print(`you      credentials refused: ${String(callerError.message)}`);
  } else {
    ctx.out.print('you      anonymous (give --as <party>, --api-key or POLICYLEDGER_API_KEY to act as a party)');
  }
  return exitCode;
}
