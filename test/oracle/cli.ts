import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripJsonc } from '../../services/oracle/cli.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.resolve(REPO_ROOT, 'services', 'replay', 'recordings');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a user would, in a child process. */
function oracle(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['services/oracle/cli.ts', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lines(run: Run): Record<string, unknown>[] {
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const FLIGHT_FIELDS = ['feedKey', 'carrier', 'flightNumber', 'departureDate', 'status', 'arrivalDelayMinutes'];
const WEATHER_FIELDS = ['feedKey', 'date', 'metric', 'value', 'unit'];

describe('oracle normalise (CLI)', function () {
  // Each run starts tsx; they run side by side and the cases below read their results.
  this.timeout(120_000);
  let scratch: string;
  const runs = new Map<string, Run>();
  const run = (name: string): Run => {
    const result = runs.get(name);
    if (result === undefined) throw new Error(`no run ${name}`);
    return result;
  };

  before(async function () {
    scratch = mkdtempSync(path.join(tmpdir(), 'policyledger-cli-'));
    writeFileSync(path.join(scratch, 'broken.json'), '{"daily": {"time": [');
    const cases: Record<string, string[]> = {
      archive: [
        '--provider',
        'open-meteo',
        '--file',
        path.join(FIXTURES, 'open-meteo', 'frenck-historical_weather.json'),
      ],
      archiveFiltered: [
        '--provider',
        'open-meteo',
        '--file',
        path.join(FIXTURES, 'open-meteo', 'frenck-historical_weather.json'),
        '--latitude',
        '52.27',
        '--longitude',
        '6.82',
        '--metric',
        'precipitation_sum',
        '--date',
        '1953-02-01',
      ],
      forecast: [
        '--provider',
        'open-meteo',
        '--file',
        path.join(FIXTURES, 'open-meteo', 'frenck-forecast.EXCERPT.json'),
      ],
      nws: ['--provider', 'nws', '--file', path.join(FIXTURES, 'nws', 'KMIA-observations-2026-06-01.json')],
      nwsMissingDay: [
        '--provider',
        'nws',
        '--file',
        path.join(FIXTURES, 'nws', 'KMIA-observations-2026-06-01.json'),
        '--station',
        'KMIA',
        '--metric',
        'temperature_max',
        '--date',
        '2026-06-02',
      ],
      aviationstack: [
        '--provider',
        'aviationstack',
        '--file',
        path.join(FIXTURES, 'aviationstack', 'flights-excerpt-5.json'),
      ],
      aviationstackUnnamed: [
        '--provider',
        'aviationstack',
        '--file',
        path.join(FIXTURES, 'aviationstack', 'flights-excerpt-unnamed.json'),
      ],
      aviationstackFiltered: [
        '--provider',
        'aviationstack',
        '--file',
        path.join(FIXTURES, 'aviationstack', 'flights-excerpt-5.json'),
        '--carrier',
        'qf',
      ],
      flightaware: [
        '--provider',
        'flightaware',
        '--file',
        path.join(FIXTURES, 'flightaware', 'PomTog-aeroapi-arrivals-LHR-BAW196.jsonc'),
      ],
      unknownProvider: [
        '--provider',
        'weatherunderground',
        '--file',
        path.join(FIXTURES, 'nws', 'KMIA-observations-2026-06-01.json'),
      ],
      missingFile: ['--provider', 'nws', '--file', path.join(scratch, 'absent.json')],
      notJson: ['--provider', 'open-meteo', '--file', path.join(scratch, 'broken.json')],
      wrongProvider: [
        '--provider',
        'nws',
        '--file',
        path.join(FIXTURES, 'open-meteo', 'frenck-historical_weather.json'),
      ],
      badMetric: [
        '--provider',
        'nws',
        '--file',
        path.join(FIXTURES, 'nws', 'KMIA-observations-2026-06-01.json'),
        '--metric',
        'rain',
      ],
      stationForGrid: [
        '--provider',
        'open-meteo',
        '--file',
        path.join(FIXTURES, 'open-meteo', 'frenck-historical_weather.json'),
        '--station',
        'KMIA',
      ],
    };
    const results = await Promise.all(
      Object.entries(cases).map(async ([name, args]) => [name, await oracle('normalise', ...args)] as const),
    );
    for (const [name, result] of results) runs.set(name, result);
  });

  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('weather responses', function () {
    it('prints the daily precipitation of the recorded archive response, warning that its days are local', function () {
      const result = run('archive');
      expect(result.code).to.equal(0);
      expect(result.stdout).to.equal(
        '{"feedKey":"52.2671,6.8207/precipitation_sum/1953-01-31","date":"1953-01-31","metric":"precipitation_sum","value":11.9,"unit":"mm"}\n' +
          '{"feedKey":"52.2671,6.8207/precipitation_sum/1953-02-01","date":"1953-02-01","metric":"precipitation_sum","value":12.5,"unit":"mm"}\n',
      );
      expect(result.stderr).to.contain('Europe/Amsterdam, UTC+02:00');
      expect(result.stderr).to.contain('not a UTC day');
    });

    it('keys the archive values by the asked point and keeps only the asked day and metric', function () {
      const result = run('archiveFiltered');
      expect(result.code).to.equal(0);
      expect(lines(result)).to.deep.equal([
        {
          feedKey: '52.2700,6.8200/precipitation_sum/1953-02-01',
          date: '1953-02-01',
          metric: 'precipitation_sum',
          value: 12.5,
          unit: 'mm',
        },
      ]);
    });

    it('prints the three dry days of the recorded forecast excerpt', function () {
      const result = run('forecast');
      expect(result.code).to.equal(0);
      expect(lines(result).map(({ date, metric, value }) => [date, metric, value])).to.deep.equal([
        ['2026-10-03', 'precipitation_sum', 0],
        ['2026-10-04', 'precipitation_sum', 0],
        ['2026-10-05', 'precipitation_sum', 0],
      ]);
    });

    it('prints the daily values aggregated from an NWS station day, and null for a day without observations', function () {
      const result = run('nws');
      expect(result.code).to.equal(0);
      expect(result.stderr).to.equal('');
      const printed = lines(result);
      for (const line of printed) expect(Object.keys(line)).to.deep.equal(WEATHER_FIELDS);
      expect(printed.map(({ feedKey, value, unit }) => [feedKey, value, unit])).to.deep.equal([
        ['station:KMIA/precipitation_sum/2026-06-01', 13.208, 'mm'],
        ['station:KMIA/temperature_max/2026-06-01', 31.7, 'degC'],
        ['station:KMIA/wind_speed_max/2026-06-01', 38.89, 'km/h'],
      ]);
      expect(lines(run('nwsMissingDay'))).to.deep.equal([
        {
          feedKey: 'station:KMIA/temperature_max/2026-06-02',
          date: '2026-06-02',
          metric: 'temperature_max',
          value: null,
          unit: 'degC',
        },
      ]);
    });
  });

  describe('flight responses', function () {
    it('prints the flights of the recorded AviationStack response with exactly the flight fields', function () {
      const result = run('aviationstack');
      expect(result.code).to.equal(0);
      const printed = lines(result);
      for (const line of printed) expect(Object.keys(line)).to.deep.equal(FLIGHT_FIELDS);
      expect(printed.map(({ feedKey }) => feedKey)).to.deep.equal([
        'QF2957/2022-04-22',
        'GJ3098/2022-04-22',
        'MF1541/2022-04-22',
        'LX9041/2022-04-22',
        '2Y702/2022-04-22',
      ]);
      // QF2957 was scheduled to arrive at 10:20 and arrived at 10:18; MF1541 was cancelled.
      expect(printed[0]).to.include({ status: 'landed', arrivalDelayMinutes: -2 });
      expect(printed[2]).to.include({ status: 'cancelled', arrivalDelayMinutes: null });
      expect(lines(run('aviationstackFiltered')).map(({ feedKey }) => feedKey)).to.deep.equal(['QF2957/2022-04-22']);
    });

    it('prints every flight of a response with a record naming no flight, and notes the record left out on stderr', function () {
      const result = run('aviationstackUnnamed');
      expect(result.code, result.stderr).to.equal(0);
      expect(lines(result)).to.deep.equal(lines(run('aviationstack')));
      expect(result.stderr).to.equal(
        'oracle: aviationstack: skipped a record that cannot be normalised: aviationstack: data[2].flight.iata is ' +
          'missing (and airline.iata with flight.number does not name the flight either)\n',
      );
    });

    it('reads the recorded AeroAPI response despite its trailing comma', function () {
      const result = run('flightaware');
      expect(result.code, result.stderr).to.equal(0);
      const printed = lines(result);
      expect(printed).to.have.length(1);
      expect(Object.keys(printed[0] ?? {})).to.deep.equal(FLIGHT_FIELDS);
      // The delay itself is the flight normaliser's to define and test.
      expect(printed[0]).to.include({
        feedKey: 'BA196/2022-06-27',
        carrier: 'BA',
        flightNumber: '196',
        departureDate: '2022-06-27',
        status: 'landed',
      });
    });
  });

  describe('errors', function () {
    it('exits with 2 and says why for an unknown provider, an unreadable file or a file that is not JSON', function () {
      expect(run('unknownProvider')).to.include({ code: 2, stdout: '' });
      expect(run('unknownProvider').stderr).to.match(
        /^oracle: unknown provider weatherunderground; known: aviationstack, flightaware, flightstats, open-meteo, nws\n/,
      );
      expect(run('missingFile')).to.include({ code: 2, stdout: '' });
      expect(run('missingFile').stderr).to.match(/^oracle: cannot read .*absent\.json: ENOENT/);
      expect(run('notJson')).to.include({ code: 2, stdout: '' });
      expect(run('notJson').stderr).to.match(/^oracle: .*broken\.json is not JSON/);
    });

    it('exits with 2 for filters that do not fit the provider', function () {
      expect(run('badMetric')).to.include({ code: 2, stdout: '' });
      expect(run('badMetric').stderr).to.contain(
        '--metric rain is not one of precipitation_sum, temperature_max, wind_speed_max',
      );
      expect(run('stationForGrid')).to.include({ code: 2, stdout: '' });
      expect(run('stationForGrid').stderr).to.contain('--station cannot be used with open-meteo');
    });

    it('exits with 1 naming the field when the response is not in the provider format', function () {
      expect(run('wrongProvider')).to.deep.equal({
        code: 1,
        stdout: '',
        stderr: 'oracle: the response cannot be normalised: nws: features is missing, not an array\n',
      });
    });
  });

  describe('stripJsonc', function () {
    it('drops trailing commas and comments but leaves strings alone', function () {
      const text = '{"a": [1, 2, ], // note\n "b": "x, ] // not a comment", /* c */ "c": {"d": 1,},}';
      expect(JSON.parse(stripJsonc(text))).to.deep.equal({ a: [1, 2], b: 'x, ] // not a comment', c: { d: 1 } });
      expect(JSON.parse(stripJsonc('{"q": "say \\"hi\\",]"}'))).to.deep.equal({ q: 'say "hi",]' });
    });
  });
});
