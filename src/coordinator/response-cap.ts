/**
 * A limit on the bytes of an RPC answer, where the runtime gives the SDK a way to stop a
 * read: for each attempt, options added to the transport's `fetch` (`TwirpFetchTransport`'s
 * `fetchInit`) and, once the attempt failed, whether the limit cut its answer.
 * The Node entry's is undici's `maxResponseSize`; browsers offer none.
 */
export interface ResponseCap {
  /** The largest answer read, in bytes. */
  readonly maxBytes: number;
  /** Starts one attempt. */
  attempt(): ResponseCapAttempt;
}

/** One attempt of a request under a {@link ResponseCap}. */
export interface ResponseCapAttempt {
  /** Options for this attempt's `fetch`, e.g. `{ dispatcher }`. */
  readonly fetchInit: Readonly<Record<string, unknown>>;
  /** Whether the answer of this attempt was cut for passing `maxBytes`. */
  cut(): boolean;
}
