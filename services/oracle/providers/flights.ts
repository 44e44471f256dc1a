import type { HttpOptions } from '../http.js';
import type { FlightProvider } from '../observation.js';
import { AviationstackProvider } from './aviationstack/index.js';
import { FlightAwareProvider } from './flightaware/index.js';
import { FlightStatsProvider } from './flightstats/index.js';

/** The flight data providers an oracle node can use. */
export const FLIGHT_PROVIDER_NAMES = ['aviationstack', 'flightaware', 'flightstats'] as const;

export type FlightProviderName = (typeof FLIGHT_PROVIDER_NAMES)[number];

/** How to reach one flight provider. */
export interface FlightProviderSettings extends Pick<
  HttpOptions,
  'timeoutMs' | 'retries' | 'backoffMs' | 'minIntervalMs' | 'sleep'
> {
  baseUrl: string;
  /** AviationStack `access_key`, AeroAPI `x-apikey`, FlightStats `appKey`. */
  apiKey: string;
  /** FlightStats `appId`; required there, unused elsewhere. */
  appId?: string;
}

/** A provider setting that cannot work, named so that the node refuses to start with a useful message. */
export class FlightProviderSettingError extends Error {
  constructor(
    readonly provider: string,
    readonly setting: string,
    message: string,
  ) {
    super(`flight provider ${provider}: ${setting} ${message}`);
    this.name = 'FlightProviderSettingError';
  }
}

function isFlightProviderName(name: string): name is FlightProviderName {
  return (FLIGHT_PROVIDER_NAMES as readonly string[]).includes(name);
}

function validate(name: string, settings: FlightProviderSettings): void {
  const refuse = (setting: string, message: string): never => {
    throw new FlightProviderSettingError(name, setting, message);
  };
  let url: URL | undefined;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    refuse('baseUrl', `is not a URL: ${JSON.stringify(settings.baseUrl)}`);
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') refuse('baseUrl', 'must be an http(s) URL');
  if (settings.apiKey.trim() === '') refuse('apiKey', 'is empty');
  if (name === 'flightstats' && (settings.appId === undefined || settings.appId.trim() === '')) {
    refuse('appId', 'is required by FlightStats');
  }
  if (!Number.isInteger(settings.timeoutMs) || settings.timeoutMs <= 0)
    refuse('timeoutMs', 'must be a positive integer');
  if (!Number.isInteger(settings.retries) || settings.retries < 0) refuse('retries', 'must be a whole number ≥ 0');
  for (const setting of ['backoffMs', 'minIntervalMs'] as const) {
    if (!Number.isFinite(settings[setting]) || settings[setting] < 0) refuse(setting, 'must be a number ≥ 0');
  }
}

/** Builds the named flight provider after checking its settings; throws `FlightProviderSettingError` otherwise. */
export function createFlightProvider(name: string, settings: FlightProviderSettings): FlightProvider {
  if (!isFlightProviderName(name)) {
    throw new FlightProviderSettingError(name, 'name', `is not one of ${FLIGHT_PROVIDER_NAMES.join(', ')}`);
  }
  validate(name, settings);
  const http = {
    baseUrl: settings.baseUrl,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    backoffMs: settings.backoffMs,
    minIntervalMs: settings.minIntervalMs,
    sleep: settings.sleep,
  };
  switch (name) {
    case 'aviationstack':
      return new AviationstackProvider({ ...http, apiKey: settings.apiKey });
    case 'flightaware':
      return new FlightAwareProvider({ ...http, apiKey: settings.apiKey });
    case 'flightstats':
      return new FlightStatsProvider({ ...http, appId: settings.appId ?? '', appKey: settings.apiKey });
  }
}
