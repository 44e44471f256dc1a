import type { WeatherProvider } from '../observation.js';
import { NwsProvider, type NwsProviderOptions } from './nws/index.js';
import { OpenMeteoProvider, type OpenMeteoProviderOptions } from './open-meteo/index.js';

/** The options of each weather provider, by the name configuration uses for it. */
export interface WeatherProviderOptions {
  'open-meteo': OpenMeteoProviderOptions;
  nws: NwsProviderOptions;
}

export type WeatherProviderName = keyof WeatherProviderOptions;

export const WEATHER_PROVIDER_NAMES: readonly WeatherProviderName[] = ['open-meteo', 'nws'];

export function isWeatherProviderName(name: string): name is WeatherProviderName {
  return (WEATHER_PROVIDER_NAMES as readonly string[]).includes(name);
}

/**
 * A weather provider by name, checking its options now: a setting that cannot work throws, naming it, so a node
 * refuses to start rather than failing on its first request. An unknown name (from untyped configuration) throws
 * too; `isWeatherProviderName` narrows a configured string first.
 */
export function createWeatherProvider<Name extends WeatherProviderName>(
  name: Name,
  options: WeatherProviderOptions[Name],
): WeatherProvider;
export function createWeatherProvider(name: string, options: unknown): WeatherProvider {
  switch (name) {
    case 'open-meteo':
      return new OpenMeteoProvider(options as OpenMeteoProviderOptions);
    case 'nws':
      return new NwsProvider(options as NwsProviderOptions);
    default:
      throw new Error(`unknown weather provider ${JSON.stringify(name)}; known: ${WEATHER_PROVIDER_NAMES.join(', ')}`);
  }
}
