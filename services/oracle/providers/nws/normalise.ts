import { WEATHER_UNITS, weatherFeedKey, type WeatherMetricName, type WeatherObservation } from '../../observation.js';
import { describe, isObject, type Json, malformedBody } from '../body.js';

const PROVIDER = 'nws';
// Typed explicitly so that TypeScript knows a call never returns.
const fail: (message: string) => never = malformedBody(PROVIDER);

/**
 * Hours of a UTC day that must have a usable value before the day gets one: 18 of 24 (75 %). Fewer, and a maximum
 * could miss the afternoon and a sum a shower, so the day's value is null instead.
 */
export const DEFAULT_MIN_COVERED_HOURS = 18;

/**
 * MADIS quality-control flags whose values are used (NWS passes them on in `qualityControl`): V verified (passed
 * levels 1–3), S screened (levels 1–2), C coarse pass (level 1), G judged good by a person, T (temperature: virtual
 * temperature unavailable, air temperature passed all checks). Refused: X rejected (failed level 1), Q questioned
 * (failed level 2 or 3), B judged bad by a person, and Z (preliminary, not yet checked; also assumed when the flag is
 * absent) — a value nobody has checked does not trigger a payout. Precipitation usually carries C, since MADIS
 * applies only its level-1 checks to it.
 */
export const DEFAULT_ACCEPTED_QUALITY_CONTROL: readonly string[] = ['V', 'S', 'C', 'G', 'T'];

/** The observation property each canonical metric is built from. */
const PROPERTIES = {
  precipitation_sum: 'precipitationLastHour',
  temperature_max: 'temperature',
  wind_speed_max: 'windSpeed',
} as const satisfies Record<WeatherMetricName, string>;

const METRICS: readonly WeatherMetricName[] = ['precipitation_sum', 'temperature_max', 'wind_speed_max'];

/**
 * Conversions to the canonical units by `unitCode` without its namespace: NWS writes WMO codes (`wmoUnit:mm`,
 * `wmoUnit:m`; `unit:` in older responses) and may write UCUM codes without a namespace.
 */
const UNIT_CONVERSIONS: Record<WeatherMetricName, Record<string, (value: number) => number>> = {
  precipitation_sum: {
    mm: (mm) => mm,
    cm: (cm) => cm * 10,
    m: (metres) => metres * 1000,
    // A kilogram of water per square metre is a millimetre of precipitation.
    'kg_m-2': (kg) => kg,
  },
  temperature_max: {
    degC: (celsius) => celsius,
    Cel: (celsius) => celsius,
    K: (kelvin) => kelvin - 273.15,
    degF: (fahrenheit) => ((fahrenheit - 32) * 5) / 9,
    '[degF]': (fahrenheit) => ((fahrenheit - 32) * 5) / 9,
  },
  wind_speed_max: {
    'km_h-1': (kmh) => kmh,
    'km/h': (kmh) => kmh,
    'm_s-1': (ms) => ms * 3.6,
    'm/s': (ms) => ms * 3.6,
    kt: (knots) => knots * 1.852,
    '[kn_i]': (knots) => knots * 1.852,
  },
};

/** `presentWeather[].weather` values that are precipitation falling at the station (NWS MetarPhenomenon). */
const PRECIPITATION_WEATHER = new Set([
  'drizzle',
  'rain',
  'snow',
  'snow_grains',
  'snow_pellets',
  'ice_crystals',
  'ice_pellets',
  'hail',
  'unknown',
]);

/** Which station, days and metrics to report. All optional: absent means all in the response. */
export interface NwsQuery {
  stationId?: string;
  metric?: WeatherMetricName;
  /** A UTC day, `YYYY-MM-DD`; a day without observations gives values null. */
  date?: string;
}

export interface NwsNormaliseOptions {
  /** Default `DEFAULT_MIN_COVERED_HOURS`. */
  minCoveredHours?: number;
  /** Default `DEFAULT_ACCEPTED_QUALITY_CONTROL`. */
  acceptedQualityControl?: readonly string[];
  /**
   * Whether a routine report without a precipitation amount counts as a dry hour (0 mm) when it shows it would have
   * reported one: see `isReportedDry`. Default true; false treats every missing amount as unknown.
   */
  inferDryHours?: boolean;
}

/** One value of a report, in the canonical unit; `usable` when present and its quality flag is accepted. */
interface Reading {
  value: number | null;
  usable: boolean;
}

/** One observation (one METAR or SPECI report, or another network's report) as far as daily values need it. */
interface Report {
  time: number;
  stationId: string;
  readings: Record<WeatherMetricName, Reading>;
  rawMessage: string | undefined;
  /** Whether `presentWeather` lists precipitation at the station; undefined when it is not given. */
  precipitationFalling: boolean | undefined;
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}

/** Rounds away binary noise of conversions and sums; 0.001 of a canonical unit is below any station's precision. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function utcDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The options with their defaults; throws naming a setting that cannot work, so a node refuses to start with it. */
export function checkNwsNormaliseOptions(options: NwsNormaliseOptions): Required<NwsNormaliseOptions> {
  const minCoveredHours = options.minCoveredHours ?? DEFAULT_MIN_COVERED_HOURS;
  if (!Number.isInteger(minCoveredHours) || minCoveredHours < 1 || minCoveredHours > 24) {
    throw new Error(`${PROVIDER}: minCoveredHours ${minCoveredHours} is not a number of hours from 1 to 24`);
  }
  const acceptedQualityControl = options.acceptedQualityControl ?? DEFAULT_ACCEPTED_QUALITY_CONTROL;
  if (acceptedQualityControl.length === 0) {
    throw new Error(`${PROVIDER}: acceptedQualityControl is empty, so no value would ever be used`);
  }
  return { minCoveredHours, acceptedQualityControl, inferDryHours: options.inferDryHours ?? true };
}

/**
 * Turns an NWS `/stations/{stationId}/observations` response (a GeoJSON FeatureCollection of observations) into one
 * canonical observation per UTC day and metric. Values are converted by their `unitCode` (precipitation may come
 * in metres) and used only when not null and their quality flag is accepted. A day's value is aggregated from its
 * observations in UTC:
 *
 * - `temperature_max`, `wind_speed_max`: the largest usable `temperature` / `windSpeed` of the day's reports.
 * - `precipitation_sum`: the sum of hourly amounts from the routine reports only (see `routineMinute`). A METAR's
 *   `precipitationLastHour` covers the hour since the previous routine report, and the SPECI reports in between
 *   carry running totals of that same hour: adding them would count rain twice, so they are left out. Each routine
 *   report counts for the UTC day it is issued on, so a day's sum covers the 24 hours up to its last routine report
 *   (e.g. 23:53 UTC). A routine report without an amount counts as a dry hour only when it shows that it would
 *   have reported one (`isReportedDry`, unless `inferDryHours` is false); otherwise its hour is unknown.
 *
 * A metric has a value for a day only when at least `minCoveredHours` of the day's 24 hours have a usable value
 * (for precipitation: a usable routine report); otherwise null, as is a day without observations. A sum over fewer
 * than 24 hours is a lower bound of the day's precipitation.
 *
 * Throws `ProviderError` naming the field when the response is not in the documented shape, mixes stations,
 * or gives a unit it cannot convert.
 */
export function normaliseNws(
  body: unknown,
  query: NwsQuery = {},
  options: NwsNormaliseOptions = {},
): WeatherObservation[] {
  const { minCoveredHours, acceptedQualityControl, inferDryHours } = checkNwsNormaliseOptions(options);
  const accepted = new Set(acceptedQualityControl);
  if (query.date !== undefined && !isIsoDate(query.date)) fail(`the asked date ${query.date} is not YYYY-MM-DD`);

  if (!isObject(body)) fail(`the response is ${Array.isArray(body) ? 'an array' : describe(body)}, not an object`);
  if (body.type !== undefined && body.type !== 'FeatureCollection') {
    fail(`type is ${describe(body.type)}, not "FeatureCollection"`);
  }
  const features = body.features;
  if (!Array.isArray(features)) fail(`features is ${describe(features)}, not an array`);
  const reports = features.map((feature: unknown, index) => readReport(feature, `features[${index}]`, accepted));

  // Feed keys name the station as asked; reports are matched to it without regard to case.
  const stationId = query.stationId ?? reports[0]?.stationId;
  if (stationId === undefined) {
    // Only an empty response with a date but no station asked gets here: there is no feed to name.
    if (query.date !== undefined) fail('features is empty and no station was asked, so no feed can be named');
    return [];
  }
  reports.forEach((report, index) => {
    if (report.stationId !== stationId.toUpperCase()) {
      fail(`features[${index}] is from station ${report.stationId}, not ${stationId}`);
    }
  });

  const days =
    query.date === undefined ? [...new Set(reports.map((report) => utcDate(report.time)))].sort() : [query.date];
  const metrics = query.metric === undefined ? METRICS : [query.metric];
  const routine = routineMinute(reports);
  const observations: WeatherObservation[] = [];
  for (const date of days) {
    const dayReports = reports.filter((report) => utcDate(report.time) === date);
    for (const metric of metrics) {
      const hourly =
        metric === 'precipitation_sum'
          ? hourlyPrecipitation(dayReports, routine, inferDryHours)
          : hourlyMaximum(dayReports, metric);
      const value =
        hourly.size < minCoveredHours
          ? null
          : round(
              metric === 'precipitation_sum'
                ? [...hourly.values()].reduce((sum, amount) => sum + amount, 0)
                : Math.max(...hourly.values()),
            );
      observations.push({
        feedKey: weatherFeedKey({ stationId }, metric, date),
        date,
        metric,
        value,
        unit: WEATHER_UNITS[metric],
      });
    }
  }
  return observations;
}

/** The largest usable value of each UTC hour that has one. */
function hourlyMaximum(reports: readonly Report[], metric: WeatherMetricName): Map<number, number> {
  const hourly = new Map<number, number>();
  for (const report of reports) {
    const reading = report.readings[metric];
    if (!reading.usable || reading.value === null) continue;
    const hour = new Date(report.time).getUTCHours();
    hourly.set(hour, Math.max(reading.value, hourly.get(hour) ?? -Infinity));
  }
  return hourly;
}

/**
 * The precipitation of each hour that has a routine report with a usable amount, keyed by the UTC hour the report
 * is issued in. Two routine reports in one hour (a correction) give their larger amount.
 */
function hourlyPrecipitation(
  reports: readonly Report[],
  routine: number | undefined,
  inferDryHours: boolean,
): Map<number, number> {
  const hourly = new Map<number, number>();
  for (const report of reports) {
    const date = new Date(report.time);
    if (date.getUTCMinutes() !== routine || date.getUTCSeconds() !== 0) continue;
    const reading = report.readings.precipitation_sum;
    let amount: number;
    if (reading.usable && reading.value !== null) amount = reading.value;
    else if (inferDryHours && reading.value === null && isReportedDry(report)) amount = 0;
    else continue;
    const hour = date.getUTCHours();
    hourly.set(hour, Math.max(amount, hourly.get(hour) ?? 0));
  }
  return hourly;
}

/**
 * The minute past the hour of the station's routine reports: the most frequent minute among all reports, since a
 * station issues its routine METAR at one fixed minute each hour (often :51–:56) and SPECI reports at any time.
 * Ties go to the later minute. Undefined without reports.
 */
export function routineMinute(reports: readonly { time: number }[]): number | undefined {
  const counts = new Map<number, number>();
  for (const { time } of reports) {
    const minute = new Date(time).getUTCMinutes();
    counts.set(minute, (counts.get(minute) ?? 0) + 1);
  }
  let best: number | undefined;
  for (const [minute, count] of counts) {
    const bestCount = best === undefined ? 0 : (counts.get(best) ?? 0);
    if (count > bestCount || (count === bestCount && best !== undefined && minute > best)) best = minute;
  }
  return best;
}

/**
 * Whether a routine report without a precipitation amount says that no precipitation fell. A US METAR omits the
 * hourly amount group (`Prrrr`) when nothing fell, so NWS gives null for a dry hour; but null also means a broken or
 * absent gauge. The hour counts as dry (0 mm) only when the raw report shows an automated station with a
 * precipitation gauge (`AO1`/`AO2` in its remarks), does not say the gauge is out (`PNO`) or the amount unknown
 * (`P////`), and no precipitation is falling at the station (`presentWeather`).
 */
function isReportedDry(report: Report): boolean {
  if (report.rawMessage === undefined || report.precipitationFalling !== false) return false;
  const remarksAt = report.rawMessage.indexOf(' RMK ');
  if (remarksAt < 0) return false;
  const remarks = report.rawMessage
    .slice(remarksAt + 5)
    .trim()
    .split(/\s+/);
  const automatedWithGauge = remarks.some((token) => /^A[O0][12]A?$/.test(token));
  const noAmount = remarks.some((token) => token === 'PNO' || /^P[\d/]{4}$/.test(token));
  return automatedWithGauge && !noAmount;
}

function readReport(feature: unknown, path: string, accepted: ReadonlySet<string>): Report {
  if (!isObject(feature)) fail(`${path} is ${describe(feature)}, not an object`);
  const properties = feature.properties;
  if (!isObject(properties)) fail(`${path}.properties is ${describe(properties)}, not an object`);
  const at = `${path}.properties`;

  const timestamp = properties.timestamp;
  // An offset is required: a time without one would be read in the local zone of whoever runs this.
  if (
    typeof timestamp !== 'string' ||
    !/(Z|[+-]\d{2}:?\d{2})$/.test(timestamp) ||
    Number.isNaN(Date.parse(timestamp))
  ) {
    fail(`${at}.timestamp is ${describe(timestamp)}, not an ISO 8601 time with an offset`);
  }

  let stationId: string | undefined;
  if (typeof properties.stationId === 'string' && properties.stationId !== '') stationId = properties.stationId;
  else if (typeof properties.station === 'string') stationId = properties.station.split('/').filter(Boolean).pop();
  if (stationId === undefined) fail(`${at}.station is ${describe(properties.station)}, not a station URL`);

  const rawMessage = properties.rawMessage;
  if (rawMessage !== undefined && rawMessage !== null && typeof rawMessage !== 'string') {
    fail(`${at}.rawMessage is ${describe(rawMessage)}, not text`);
  }
  return {
    time: Date.parse(timestamp),
    stationId: stationId.toUpperCase(),
    readings: {
      precipitation_sum: readReading(properties, at, 'precipitation_sum', accepted),
      temperature_max: readReading(properties, at, 'temperature_max', accepted),
      wind_speed_max: readReading(properties, at, 'wind_speed_max', accepted),
    },
    rawMessage: typeof rawMessage === 'string' && rawMessage !== '' ? rawMessage : undefined,
    precipitationFalling: precipitationFalling(properties.presentWeather, `${at}.presentWeather`),
  };
}

/** One QuantitativeValue `{ value, unitCode, qualityControl }`; an absent property reads as null. */
function readReading(properties: Json, at: string, metric: WeatherMetricName, accepted: ReadonlySet<string>): Reading {
  const name = PROPERTIES[metric];
  const quantity = properties[name];
  if (quantity === undefined || quantity === null) return { value: null, usable: false };
  const path = `${at}.${name}`;
  if (!isObject(quantity)) fail(`${path} is ${describe(quantity)}, not a quantitative value`);
  const { value, unitCode, qualityControl } = quantity;
  if (value === null || value === undefined) return { value: null, usable: false };
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${path}.value is ${describe(value)}, not a number`);
  if (typeof unitCode !== 'string') fail(`${path}.unitCode is ${describe(unitCode)}, not a unit`);
  const convert = UNIT_CONVERSIONS[metric][unitCode.replace(/^(wmoUnit|wmo|unit|uc):/, '')];
  if (convert === undefined) {
    fail(`${path}.unitCode is ${JSON.stringify(unitCode)}, which cannot be converted to ${WEATHER_UNITS[metric]}`);
  }
  if (qualityControl !== undefined && qualityControl !== null && typeof qualityControl !== 'string') {
    fail(`${path}.qualityControl is ${describe(qualityControl)}, not a flag`);
  }
  // Older responses write `qc:V`; an absent flag means nobody checked the value.
  const flag = typeof qualityControl === 'string' ? qualityControl.replace(/^qc:/, '') : 'Z';
  return { value: convert(value), usable: accepted.has(flag) };
}

function precipitationFalling(presentWeather: unknown, path: string): boolean | undefined {
  if (presentWeather === undefined || presentWeather === null) return undefined;
  if (!Array.isArray(presentWeather)) fail(`${path} is ${describe(presentWeather)}, not an array`);
  return presentWeather.some(
    (phenomenon: unknown) =>
      isObject(phenomenon) &&
      phenomenon.inVicinity !== true &&
      typeof phenomenon.weather === 'string' &&
      PRECIPITATION_WEATHER.has(phenomenon.weather),
  );
}
