/**
 * The chain's latest block number as fresh as asking the node on every request, at the cost of far fewer questions.
 *
 * Authorisation must see every block mined before a request arrived (a deactivation mined in block N refuses the
 * next request). Joining a read that is already in flight would not guarantee that: it was sent before the request
 * arrived and may have missed block N. So a request joins the next read instead: while one read is in flight, every
 * request that arrives waits for the single read sent when it settles. Each request is thus answered by a read sent
 * after it arrived — the same guarantee as its own read — and under load one read serves every request that arrived
 * during the previous round trip.
 */
import type { Provider } from 'ethers';

type Read = () => Promise<number>;

/** Coalesces block-number reads as described above; `read` asks the node. */
export class FreshBlockNumber {
  #inFlight: Promise<number> | undefined;
  #next: Promise<number> | undefined;

  constructor(private readonly read: Read) {}

  /** A block number read by a request sent after this call. */
  latest(): Promise<number> {
    if (this.#inFlight === undefined) return this.#start();
    this.#next ??= this.#inFlight.then(settled, settled).then(() => {
      this.#next = undefined;
      return this.#start();
    });
    return this.#next;
  }

  #start(): Promise<number> {
    const read = this.read().finally(() => {
      if (this.#inFlight === read) this.#inFlight = undefined;
    });
    this.#inFlight = read;
    return read;
  }
}

function settled(): void {}

const perProvider = new WeakMap<Provider, FreshBlockNumber>();

/** The provider's shared `FreshBlockNumber`, reading with `read(provider)`. */
export function freshBlockNumber(provider: Provider, read: (provider: Provider) => Promise<number>): Promise<number> {
  let fresh = perProvider.get(provider);
  if (fresh === undefined) {
    fresh = new FreshBlockNumber(() => read(provider));
    perProvider.set(provider, fresh);
  }
  return fresh.latest();
}
