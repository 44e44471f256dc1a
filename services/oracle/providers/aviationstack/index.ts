export { normaliseAviationstackFlights, aviationstackDepartureDates } from './normalise.js';
export { AviationstackProvider, type AviationstackOptions } from './transport.js';
