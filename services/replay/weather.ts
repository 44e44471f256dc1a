/**
 * The two weather providers as the replay server answers them: a catalogued place's recorded daily values (Open-Meteo)
 * or station observations (NWS), re-dated to the days asked, and shown only for what the ledger's clock has passed: a
 * day's daily values once the day is over, an observation once it was made. A recording of several days serves them in
 * turn by the asked day's number (days since 1970), so that consecutive days get the recording's consecutive days
 * whether they are asked together or one by one, as the oracle nodes ask.
 */
import { daysBetween, REPLAY_PLACES, type ReplayPlace } from './catalogue.js';
import type { ReplayReply } from './flights.js';
import { labelled, readRecording, shiftDates, type Json } from './redate.js';

const DAY_SECONDS = 86_400;

function isDate(value: string | null): value is string {
  return value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Open-Meteo: GET /v1/forecast and /v1/archive?latitude=&longitude=&start_date=&end_date=&daily=&timezone=GMT
// ---------------------------------------------------------------------------------------------------------------

/** Open-Meteo's daily variables the replay server can answer, with the canonical metric and unit of each. */
const OPEN_METEO_VARIABLES = {
  precipitation_sum: { metric: 'precipitation_sum', unit: 'mm' },
  temperature_2m_max: { metric: 'temperature_max', unit: '°C' },
  wind_speed_10m_max: { metric: 'wind_speed_max', unit: 'km/h' },
} as const;

/** Degrees within which a point asked for takes a place's recording: ERA5's grid cell is 0.25°. */
const GRID_DEGREES = 0.25;

function openMeteoError(reason: string): ReplayReply {
  return { status: 400, body: { error: true, reason } };
}

function placeNear(latitude: number, longitude: number): ReplayPlace | undefined {
  return REPLAY_PLACES.find(
    (place) =>
      place.provider === 'open-meteo' &&
      Math.abs(place.latitude - latitude) <= GRID_DEGREES &&
      Math.abs(place.longitude - longitude) <= GRID_DEGREES,
  );
}

/** The recorded value a re-dated day takes: the recording's days in turn, by the day's number. */
export function recordedOn<T>(recorded: readonly (T | null)[], day: string): T | null {
  if (recorded.length === 0) return null;
  return recorded[(dayStart(day) / DAY_SECONDS) % recorded.length] ?? null;
}

export function openMeteoDaily(query: URLSearchParams, now: number): ReplayReply {
  const latitude = Number(query.get('latitude'));
  const longitude = Number(query.get('longitude'));
  const start = query.get('start_date');
  const end = query.get('end_date');
  const timezone = query.get('timezone') ?? 'GMT';
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || !isDate(start) || !isDate(end) || end < start) {
    return openMeteoError('the replay server needs latitude, longitude, start_date and end_date (YYYY-MM-DD)');
  }
  if (timezone !== 'GMT' && timezone !== 'UTC') {
    return openMeteoError('the replay server serves daily values over UTC days only: ask with timezone=GMT');
  }
  const variables = (query.get('daily') ?? '').split(',').filter((name) => name !== '');
  const unknown = variables.find((name) => !(name in OPEN_METEO_VARIABLES));
  if (unknown !== undefined) return openMeteoError(`the replay server has no daily variable ${unknown}`);

  const place = placeNear(latitude, longitude);
  const recording = place === undefined ? undefined : (readRecording(place.source) as Json);
  const days = Array.from({ length: daysBetween(start, end) + 1 }, (_, index) =>
    new Date((dayStart(start) + index * DAY_SECONDS) * 1000).toISOString().slice(0, 10),
  );
  const daily: Json = { time: days };
  const units: Json = { time: 'iso8601' };
  for (const name of variables) {
    const { metric, unit } = OPEN_METEO_VARIABLES[name as keyof typeof OPEN_METEO_VARIABLES];
    const recorded = place?.daily[metric];
    units[name] = (recording?.daily_units as Json | undefined)?.[name] ?? unit;
    daily[name] = days.map((day) =>
      recorded === undefined || now < dayStart(day) + DAY_SECONDS ? null : recordedOn(recorded, day),
    );
  }
  const body = {
    latitude: recording?.latitude ?? latitude,
    longitude: recording?.longitude ?? longitude,
    generationtime_ms: recording?.generationtime_ms ?? 0,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    elevation: recording?.elevation ?? null,
    daily_units: units,
    daily,
  };
  const shiftedDays = place === undefined ? 0 : daysBetween(place.recordedDate, start);
  return {
    status: 200,
    body: labelled(body, {
      recording: place?.source ?? null,
      recorded: place?.recorded ?? null,
      shiftedDays,
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// NWS: GET /stations/{stationId}/observations?start=&end=&limit=
// ---------------------------------------------------------------------------------------------------------------

/** A METAR's `DDHHMMZ` group names the day of the month: it follows the re-dated timestamp. */
function redateMetar(properties: Json): Json {
  const raw = properties.rawMessage;
  const timestamp = properties.timestamp;
  if (typeof raw !== 'string' || typeof timestamp !== 'string') return properties;
  const day = new Date(Date.parse(timestamp)).toISOString().slice(8, 10);
  return { ...properties, rawMessage: raw.replace(/^(\S+ )\d{2}(\d{4}Z)/, `$1${day}$2`) };
}

export function nwsObservations(stationId: string, query: URLSearchParams, now: number): ReplayReply {
  const start = query.get('start');
  const end = query.get('end');
  const limit = Number(query.get('limit') ?? '500');
  const from = start === null ? NaN : Date.parse(start) / 1000;
  const to = end === null ? NaN : Date.parse(end) / 1000;
  if (Number.isNaN(from) || Number.isNaN(to) || !Number.isInteger(limit) || limit < 1) {
    return {
      status: 400,
      body: {
        type: 'https://api.weather.gov/problems/BadRequest',
        title: 'Bad Request',
        status: 400,
        detail: 'the replay server needs start and end (ISO 8601 times with an offset) and a positive limit',
      },
    };
  }
  const place = REPLAY_PLACES.find((entry) => entry.provider === 'nws' && entry.stationId === stationId.toUpperCase());
  const recording = place === undefined ? undefined : (readRecording(place.source) as { features: Json[] } & Json);
  const shiftedDays =
    place === undefined ? 0 : daysBetween(place.recordedDate, new Date(from * 1000).toISOString().slice(0, 10));
  // Newest first, as NWS lists them; only what was observed in the window and before the ledger's clock.
  const features = (recording?.features ?? [])
    .map((feature) => shiftDates(feature, shiftedDays))
    .map((feature) => ({ ...feature, properties: redateMetar(feature.properties as Json) }))
    .filter((feature) => {
      const at = Date.parse(feature.properties.timestamp as string) / 1000;
      return at >= from && at < to && at <= now;
    })
    .slice(0, limit);
  const body = {
    ...(recording ?? { type: 'FeatureCollection' }),
    features,
  };
  return {
    status: 200,
    body: labelled(body, { recording: place?.source ?? null, recorded: place?.recorded ?? null, shiftedDays }),
  };
}
