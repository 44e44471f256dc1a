/** How an event is delivered, on the stream and by webhook: the same JSON object either way. */
import type { ChainEvent } from '../../indexer/index.js';
import { subjectsOf, type EventSubjects } from './source.js';

export interface EventPayload {
  /** `<blockNumber>-<logIndex>`: stable across index rebuilds; receivers deduplicate on it. */
  id: string;
  /** The event's name (`DocumentAnchored`, `PolicySettled`…). */
  type: string;
  contract: string;
  blockNumber: number;
  blockTime: string;
  transactionHash: string;
  logIndex: number;
  about: EventSubjects;
  /** The event's arguments, normalised as the chain index records them. */
  data: object;
}

export function eventPayload(event: ChainEvent): EventPayload {
  return {
    id: event.id,
    type: event.name,
    contract: event.contract,
    blockNumber: event.blockNumber,
    blockTime: event.blockTime,
    transactionHash: event.transactionHash,
    logIndex: event.logIndex,
    about: subjectsOf(event),
    data: event.args,
  };
}
