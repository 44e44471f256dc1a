export { aeroApiFlightRecords, normaliseAeroApiFlights } from './normalise.js';
export { FlightAwareProvider, type FlightAwareOptions } from './transport.js';
