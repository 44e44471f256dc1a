/**
 * The canonical observations every provider's normaliser produces, whatever the provider's own units and fields.
 * They are what oracle nodes compare across providers and what they sign (scaled to the contracts' integers).
 */

/** A flight's state as far as a payout is concerned. */
export type FlightStatus = 'scheduled' | 'active' | 'landed' | 'cancelled' | 'diverted' | 'unknown';

export interface FlightObservation {
  /** `<carrier><flightNumber>/<departureDate>`, e.g. `BA196/2026-11-20`: one flight, as the node tracks it. */
  feedKey: string;
  /** IATA airline designator, upper case. */
  carrier: string;
  /** Flight number without the designator, upper case (e.g. `196`, `2957`). */
  flightNumber: string;
  /** Scheduled departure date in UTC, `YYYY-MM-DD`. */
  departureDate: string;
  status: FlightStatus;
  /**
   * Minutes between scheduled and actual arrival (gate arrival where the provider has it), negative when early;
   * null when the flight has not arrived or the provider gives no arrival time.
   */
  arrivalDelayMinutes: number | null;
}

/** The daily weather values a weather index can be built on. */
export type WeatherMetricName = 'precipitation_sum' | 'temperature_max' | 'wind_speed_max';

/** Units of the canonical weather values. */
export const WEATHER_UNITS: Record<WeatherMetricName, 'mm' | 'degC' | 'km/h'> = {
  precipitation_sum: 'mm',
  temperature_max: 'degC',
  wind_speed_max: 'km/h',
};

export interface WeatherObservation {
  /** `<location>/<metric>/<date>`, location `lat,lon` at 1e-4 degree or `station:<id>`. */
  feedKey: string;
  /** The day in UTC, `YYYY-MM-DD`. */
  date: string;
  metric: WeatherMetricName;
  /** In `unit`; null when the provider has no usable value for the day. */
  value: number | null;
  unit: 'mm' | 'degC' | 'km/h';
}

/** What a node asks a flight provider. */
export interface FlightQuery {
  carrier: string;
  flightNumber: string;
  /** Scheduled departure date in UTC, `YYYY-MM-DD`. */
  departureDate: string;
}

/** Where a weather value is observed: a grid point at 1e-4 degree, or a station. */
export type WeatherLocation = { latitude: number; longitude: number } | { stationId: string };

/** What a node asks a weather provider. */
export interface WeatherQuery {
  location: WeatherLocation;
  metric: WeatherMetricName;
  /** The day in UTC, `YYYY-MM-DD`. */
  date: string;
  /**
   * The time of asking in unix seconds, on the ledger's clock (an oracle node passes its latest block's timestamp):
   * it decides whether the day is over and which of the provider's APIs holds it. Without it the provider reads the
   * wall clock; on a live network the two agree.
   */
  asOf?: number;
}

/** A provider response as received, kept as evidence; its SHA-256 goes into the signed observation. */
export interface RawResponse {
  provider: string;
  /** The request URL with credentials removed. */
  url: string;
  status: number;
  fetchedAt: string;
  body: string;
}

export interface ProviderResult<T> {
  observations: T[];
  raw: RawResponse[];
  /** Records of the responses left out because they could not be normalised, each saying which and why. */
  notes?: string[];
}

export interface FlightProvider {
  readonly name: string;
  fetchFlight(query: FlightQuery): Promise<ProviderResult<FlightObservation>>;
}

export interface WeatherProvider {
  readonly name: string;
  fetchWeather(query: WeatherQuery): Promise<ProviderResult<WeatherObservation>>;
}

/** The feed key of a flight. */
export function flightFeedKey(carrier: string, flightNumber: string, departureDate: string): string {
  return `${carrier}${flightNumber}/${departureDate}`;
}

/** The canonical text of a location: `lat,lon` with 4 decimals, or `station:<id>`. */
export function locationKey(location: WeatherLocation): string {
  return 'stationId' in location
    ? `station:${location.stationId}`
    : `${location.latitude.toFixed(4)},${location.longitude.toFixed(4)}`;
}

/** The feed key of one day of a location and metric. */
export function weatherFeedKey(location: WeatherLocation, metric: WeatherMetricName, date: string): string {
  return `${locationKey(location)}/${metric}/${date}`;
}
