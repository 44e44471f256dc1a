import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ProviderError } from './http.js';
import type { FlightObservation, FlightQuery, WeatherMetricName, WeatherObservation } from './observation.js';
// The flight normalisers' exported names differ from the ones this CLI was specified with; aliased here.
import { normaliseAviationstackFlights as normaliseAviationStack } from './providers/aviationstack/normalise.js';
import { normaliseAeroApiFlights as normaliseFlightAware } from './providers/flightaware/normalise.js';
import { normaliseFlightStatsStatuses as normaliseFlightStats } from './providers/flightstats/normalise.js';
import { normaliseNws } from './providers/nws/normalise.js';
import { describeOpenMeteoTimezone, normaliseOpenMeteo } from './providers/open-meteo/normalise.js';

const USAGE = `Usage: npm run oracle -- normalise --provider <provider> --file <response> [filters]
       npm run oracle -- run --config <node.json>
       npm run oracle -- keystore --out <file> [--private-key-file <file|-> | --private-key-env <VARIABLE>]
                                                 (password from POLICYLEDGER_KEYSTORE_PASSWORD)

Prints the canonical observations in a saved provider response, one JSON object a line:
  flights: {feedKey, carrier, flightNumber, departureDate, status, arrivalDelayMinutes}
  weather: {feedKey, date, metric, value, unit}

Providers:
  aviationstack, flightaware, flightstats   flight status
  open-meteo, nws                           daily weather

Filters (optional; without them everything in the file is printed):
  --carrier BA --flight 196 --date 2022-06-27          flights (all three form the provider query)
  --latitude 52.27 --longitude 6.82                    open-meteo: the asked point, used in feed keys
  --station KMIA                                       nws
  --metric precipitation_sum|temperature_max|wind_speed_max --date 2026-06-01   weather

keystore writes a new random oracle key, or imports an existing one from a file, standard input (-) or an
environment variable (never from the command line), encrypted, and prints its address. It never overwrites a file.

Exit codes of normalise: 0 printed; 1 the response is not in the shape the provider documents; 2 bad arguments, an
unknown provider, or a file that cannot be read as JSON (JSONC comments and trailing commas are tolerated).
Exit codes of run and keystore: 0 done; 1 refused or failed (an existing keystore, a contract error, printed decoded);
2 bad arguments or configuration.`;

const FLIGHT_NORMALISERS = {
  aviationstack: normaliseAviationStack,
  flightaware: normaliseFlightAware,
  flightstats: normaliseFlightStats,
} satisfies Record<string, (body: unknown, query?: FlightQuery, skipped?: string[]) => FlightObservation[]>;

const WEATHER_PROVIDERS = ['open-meteo', 'nws'] as const;
const METRICS: readonly WeatherMetricName[] = ['precipitation_sum', 'temperature_max', 'wind_speed_max'];

/** A problem with how the command was called: exit code 2, with the usage. */
class UsageError extends Error {}

/** An input file that cannot be read as JSON: exit code 2. */
class InputError extends Error {}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Options = Partial<Record<'carrier' | 'flight' | 'date' | 'latitude' | 'longitude' | 'station' | 'metric', string>>;

/**
 * Text without JSONC comments and trailing commas, strings left intact: saved responses are sometimes trimmed by
 * hand, like the AeroAPI fixture whose array ends in `},`.
 */
export function stripJsonc(text: string): string {
  let out = '';
  let pendingComma = false;
  for (let i = 0; i < text.length;) {
    const char = text[i] as string;
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (pendingComma) out += ',';
      pendingComma = false;
      out += text.slice(i, end + 1);
      i = end + 1;
    } else if (char === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (char === ',') {
      // Held back until the next token shows whether it closes an object or array.
      if (pendingComma) out += ',';
      pendingComma = true;
      i++;
    } else {
      if (pendingComma && !/\s/.test(char)) {
        if (char !== '}' && char !== ']') out += ',';
        pendingComma = false;
      }
      out += char;
      i++;
    }
  }
  return pendingComma ? `${out},` : out;
}

/** The file as JSON, or as JSONC when it is not strict JSON. */
function readResponse(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return JSON.parse(stripJsonc(text)) as unknown;
    } catch (error) {
      throw new InputError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function checkDate(date: string | undefined): void {
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(`--date ${date} is not YYYY-MM-DD`);
}

function coordinate(name: 'latitude' | 'longitude', text: string, limit: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || Math.abs(value) > limit) {
    throw new UsageError(`--${name} ${text} is not a ${name}`);
  }
  return value;
}

function refuse(options: Options, names: readonly (keyof Options)[], provider: string): void {
  const given = names.filter((name) => options[name] !== undefined);
  if (given.length > 0)
    throw new UsageError(`${given.map((name) => `--${name}`).join(', ')} cannot be used with ${provider}`);
}

function flightLines(provider: keyof typeof FLIGHT_NORMALISERS, body: unknown, options: Options, io: Io): string[] {
  refuse(options, ['latitude', 'longitude', 'station', 'metric'], provider);
  checkDate(options.date);
  const { carrier, flight, date } = options;
  const query: FlightQuery | undefined =
    carrier !== undefined && flight !== undefined && date !== undefined
      ? { carrier: carrier.toUpperCase(), flightNumber: flight.toUpperCase(), departureDate: date }
      : undefined;
  const skipped: string[] = [];
  const observations = FLIGHT_NORMALISERS[provider](body, query, skipped);
  // Records left out are noted on standard error; the others are printed.
  for (const note of skipped) io.stderr(`oracle: ${note}\n`);
  return observations
    .filter(
      (observation) =>
        (carrier === undefined || observation.carrier === carrier.toUpperCase()) &&
        (flight === undefined || observation.flightNumber === flight.toUpperCase()) &&
        (date === undefined || observation.departureDate === date),
    )
    .map(({ feedKey, carrier, flightNumber, departureDate, status, arrivalDelayMinutes }) =>
      JSON.stringify({ feedKey, carrier, flightNumber, departureDate, status, arrivalDelayMinutes }),
    );
}

function weatherLines(provider: (typeof WEATHER_PROVIDERS)[number], body: unknown, options: Options, io: Io): string[] {
  refuse(options, ['carrier', 'flight'], provider);
  checkDate(options.date);
  const metric = options.metric;
  if (metric !== undefined && !(METRICS as readonly string[]).includes(metric)) {
    throw new UsageError(`--metric ${metric} is not one of ${METRICS.join(', ')}`);
  }
  const filters = { metric: metric as WeatherMetricName | undefined, date: options.date };
  let observations: WeatherObservation[];
  if (provider === 'open-meteo') {
    refuse(options, ['station'], provider);
    const { latitude, longitude } = options;
    if ((latitude === undefined) !== (longitude === undefined)) {
      throw new UsageError('--latitude and --longitude go together');
    }
    const location =
      latitude !== undefined && longitude !== undefined
        ? { latitude: coordinate('latitude', latitude, 90), longitude: coordinate('longitude', longitude, 180) }
        : undefined;
    const note = describeOpenMeteoTimezone(body);
    if (note !== null) io.stderr(`note: open-meteo: ${note}\n`);
    observations = normaliseOpenMeteo(body, { ...filters, location }, { acceptLocalDays: true });
  } else {
    refuse(options, ['latitude', 'longitude'], provider);
    observations = normaliseNws(body, { ...filters, stationId: options.station });
  }
  return observations.map(({ feedKey, date, metric, value, unit }) =>
    JSON.stringify({ feedKey, date, metric, value, unit }),
  );
}

/** Runs the command line `args` (without node and script) and returns the exit code. */
export function runCli(args: readonly string[], io: Io): number {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...args],
        allowPositionals: true,
        options: {
          provider: { type: 'string' },
          file: { type: 'string' },
          carrier: { type: 'string' },
          flight: { type: 'string' },
          date: { type: 'string' },
          latitude: { type: 'string' },
          longitude: { type: 'string' },
          station: { type: 'string' },
          metric: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'normalise') {
      throw new UsageError(positionals.length === 0 ? 'no command given' : `unknown command ${positionals.join(' ')}`);
    }
    const { provider, file, ...filters } = values;
    if (provider === undefined) throw new UsageError('--provider is required');
    const known = [...Object.keys(FLIGHT_NORMALISERS), ...WEATHER_PROVIDERS];
    if (!known.includes(provider)) throw new UsageError(`unknown provider ${provider}; known: ${known.join(', ')}`);
    if (file === undefined) throw new UsageError('--file is required');
    const body = readResponse(file);
    const options: Options = {
      carrier: filters.carrier,
      flight: filters.flight,
      date: filters.date,
      latitude: filters.latitude,
      longitude: filters.longitude,
      station: filters.station,
      metric: filters.metric,
    };
    const lines =
      provider === 'open-meteo' || provider === 'nws'
        ? weatherLines(provider, body, options, io)
        : flightLines(provider as keyof typeof FLIGHT_NORMALISERS, body, options, io);
    if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`oracle: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`oracle: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ProviderError) {
      io.stderr(`oracle: the response cannot be normalised: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === 'run' || command === 'keystore') {
    // Loaded only for these commands: the node's SQLite state is not needed to normalise a response.
    import('./commands.js')
      .then(({ runNodeCommand }) => runNodeCommand(command, rest))
      .then(
        (code) => {
          process.exitCode = code;
        },
        (error: unknown) => {
          process.stderr.write(`oracle: ${error instanceof Error ? error.message : String(error)}\n`);
          process.exitCode = 1;
        },
      );
  } else {
    process.exitCode = runCli(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
}
