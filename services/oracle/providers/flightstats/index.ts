export { normaliseFlightStatsStatuses } from './normalise.js';
export { FlightStatsProvider, type FlightStatsOptions } from './transport.js';
