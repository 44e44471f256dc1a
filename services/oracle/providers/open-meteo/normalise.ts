import {
  WEATHER_UNITS,
  weatherFeedKey,
  type WeatherLocation,
  type WeatherMetricName,
  type WeatherObservation,
} from '../../observation.js';
import { describe, isObject, type Json, malformedBody } from '../body.js';

const PROVIDER = 'open-meteo';
// Typed explicitly so that TypeScript knows a call never returns.
const fail: (message: string) => never = malformedBody(PROVIDER);

/**
 * Open-Meteo's daily variables for each canonical metric, the current name first. `windspeed_10m_max` is the name the
 * API used before 2023; recorded responses may still carry it.
 */
export const OPEN_METEO_DAILY_VARIABLES: Record<WeatherMetricName, readonly string[]> = {
  precipitation_sum: ['precipitation_sum'],
  temperature_max: ['temperature_2m_max'],
  wind_speed_max: ['wind_speed_10m_max', 'windspeed_10m_max'],
};

/** Canonical metrics in the order observations are listed. */
const METRICS: readonly WeatherMetricName[] = ['precipitation_sum', 'temperature_max', 'wind_speed_max'];

/**
 * How each unit label Open-Meteo writes in `daily_units` converts to the canonical unit. The labels follow the
 * request parameters `precipitation_unit` (mm, inch), `temperature_unit` (celsius, fahrenheit) and
 * `wind_speed_unit` (kmh, ms, mph, kn).
 */
const UNIT_CONVERSIONS: Record<WeatherMetricName, Record<string, (value: number) => number>> = {
  precipitation_sum: { mm: (mm) => mm, inch: (inches) => inches * 25.4 },
  temperature_max: { '°C': (celsius) => celsius, '°F': (fahrenheit) => ((fahrenheit - 32) * 5) / 9 },
  wind_speed_max: {
    'km/h': (kmh) => kmh,
    'm/s': (ms) => ms * 3.6,
    mph: (mph) => mph * 1.609344,
    kn: (knots) => knots * 1.852,
  },
};

/**
 * How far (degrees) the grid cell Open-Meteo answers for may lie from the asked point. Its models snap to cells of
 * at most 0.25° (ERA5), so a larger distance means the response is for another place.
 */
export const MAX_GRID_OFFSET_DEGREES = 0.5;

/** Which days and metrics to take from a response, and whose feed they are. All optional: absent means all. */
export interface OpenMeteoQuery {
  /** The point the node asked for; feed keys use it rather than the grid cell the response names. */
  location?: WeatherLocation;
  metric?: WeatherMetricName;
  /** A UTC day, `YYYY-MM-DD`. A day the response lacks gives observations with value null. */
  date?: string;
}

export interface OpenMeteoNormaliseOptions {
  /**
   * Whether to accept a response in a time zone other than GMT. Open-Meteo aggregates daily values over local days
   * (`utc_offset_seconds`), and a local day is not the UTC day a weather feed is keyed by, so the node refuses such a
   * response. Tools that only inspect a saved response (the CLI) may accept it: the values are then listed under
   * their local dates.
   */
  acceptLocalDays?: boolean;
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(value);
}

/** Rounds away binary noise left by unit conversion; 0.001 of a canonical unit is below any provider's precision. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function readNumber(body: Json, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${field} is ${describe(value)}, not a number`);
  return value;
}

/**
 * A note saying which days a response's daily values cover when it is not in GMT, or null when it is. For tools
 * that show a saved response to a person.
 */
export function describeOpenMeteoTimezone(body: unknown): string | null {
  if (!isObject(body) || typeof body.utc_offset_seconds !== 'number' || body.utc_offset_seconds === 0) return null;
  const offset = body.utc_offset_seconds;
  const sign = offset < 0 ? '-' : '+';
  const minutes = Math.abs(offset) / 60;
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const zone = typeof body.timezone === 'string' ? `${body.timezone}, ` : '';
  return (
    `the response is in local time (${zone}UTC${sign}${hhmm}): each daily value covers a local day, ` +
    `listed under its local date, not a UTC day`
  );
}

/**
 * Turns an Open-Meteo archive or forecast response with `daily` variables into canonical observations, one per day
 * and metric: `daily.time[i]` with the metrics' values at index i, converted to mm, degC and km/h according to
 * `daily_units`. Null values stay null; so does a requested day the response does not list. Hourly and current
 * values are ignored. Throws `ProviderError` naming the field when the response is not in the documented shape,
 * names a unit it cannot convert, or is in a time zone other than GMT (see `acceptLocalDays`).
 */
export function normaliseOpenMeteo(
  body: unknown,
  query: OpenMeteoQuery = {},
  options: OpenMeteoNormaliseOptions = {},
): WeatherObservation[] {
  if (!isObject(body)) fail(`the response is ${Array.isArray(body) ? 'an array' : describe(body)}, not an object`);
  if (body.error === true) {
    fail(`the API answered with an error: ${typeof body.reason === 'string' ? body.reason : describe(body.reason)}`);
  }

  const utcOffset = readNumber(body, 'utc_offset_seconds');
  if (utcOffset !== 0 && options.acceptLocalDays !== true) {
    fail(
      `utc_offset_seconds is ${utcOffset} (timezone ${describe(body.timezone)}): its daily values cover local days, ` +
        'not the UTC days feeds are keyed by; ask with timezone=GMT',
    );
  }

  const latitude = readNumber(body, 'latitude');
  const longitude = readNumber(body, 'longitude');
  const location = query.location ?? { latitude, longitude };
  if ('stationId' in location) fail(`cannot answer for station ${location.stationId}: Open-Meteo is gridded`);
  // Longitudes compared across the antimeridian: 179.99 and -179.99 are neighbours.
  const longitudeOffset = Math.abs(((((location.longitude - longitude) % 360) + 540) % 360) - 180);
  const offset = Math.max(Math.abs(location.latitude - latitude), longitudeOffset);
  if (offset > MAX_GRID_OFFSET_DEGREES) {
    fail(`the response is for ${latitude},${longitude}, not near the asked ${location.latitude},${location.longitude}`);
  }

  const daily = body.daily;
  if (!isObject(daily)) fail(`daily is ${describe(daily)}, not an object`);
  const units = body.daily_units;
  if (!isObject(units)) fail(`daily_units is ${describe(units)}, not an object`);
  const times = daily.time;
  if (!Array.isArray(times)) fail(`daily.time is ${describe(times)}, not an array`);
  const dayIndex = new Map<string, number>();
  times.forEach((time, index) => {
    if (!isIsoDate(time)) fail(`daily.time[${index}] is ${describe(time)}, not a YYYY-MM-DD date`);
    if (dayIndex.has(time)) fail(`daily.time lists ${time} twice`);
    dayIndex.set(time, index);
  });

  const wanted = query.metric === undefined ? METRICS : [query.metric];
  const series = new Map<WeatherMetricName, (number | null)[]>();
  for (const metric of wanted) {
    const variable = OPEN_METEO_DAILY_VARIABLES[metric].find((name) => name in daily);
    if (variable === undefined) {
      // Without a metric in the query, a response simply may not carry every metric.
      if (query.metric === undefined) continue;
      fail(`daily.${OPEN_METEO_DAILY_VARIABLES[metric][0]} is missing`);
    }
    series.set(metric, readSeries(daily, units, variable, metric, times.length));
  }

  const days = query.date === undefined ? [...dayIndex.keys()] : [query.date];
  const observations: WeatherObservation[] = [];
  for (const date of days) {
    const index = dayIndex.get(date);
    for (const [metric, values] of series) {
      observations.push({
        feedKey: weatherFeedKey(location, metric, date),
        date,
        metric,
        value: index === undefined ? null : (values[index] ?? null),
        unit: WEATHER_UNITS[metric],
      });
    }
  }
  return observations;
}

/** One daily variable's values in the canonical unit. */
function readSeries(
  daily: Json,
  units: Json,
  variable: string,
  metric: WeatherMetricName,
  length: number,
): (number | null)[] {
  const unit = units[variable];
  if (typeof unit !== 'string') fail(`daily_units.${variable} is ${describe(unit)}, not a unit`);
  const convert = UNIT_CONVERSIONS[metric][unit];
  if (convert === undefined) {
    fail(`daily_units.${variable} is ${JSON.stringify(unit)}, which cannot be converted to ${WEATHER_UNITS[metric]}`);
  }
  const values = daily[variable];
  if (!Array.isArray(values)) fail(`daily.${variable} is ${describe(values)}, not an array`);
  if (values.length !== length) fail(`daily.${variable} has ${values.length} values for ${length} days`);
  return values.map((value: unknown, index) => {
    if (value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`daily.${variable}[${index}] is ${describe(value)}, not a number or null`);
    }
    return round(convert(value));
  });
}
