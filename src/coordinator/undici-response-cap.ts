import { Agent, DecoratorHandler, type Dispatcher } from 'undici';
import type { ResponseCap } from './interceptors/response-cap';

/** undici's code for an answer cut by `maxResponseSize`. */
const EXCEEDED = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/**
 * undici's `DecoratorHandler`, which forwards every callback to the handler it wraps; its
 * typings declare none of them, so this names the one overridden here.
 */
const Decorator = DecoratorHandler as unknown as new (handler: Dispatcher.DispatchHandlers) => Dispatcher.DispatchHandlers & { onError(err: Error): void };

/** Passes everything on to the fetch's own handler, noting whether undici cut the answer. */
class CutWatch extends Decorator {
  constructor(
    handler: Dispatcher.DispatchHandlers,
    private readonly onCut: () => void,
  ) {
    super(handler);
  }

  override onError(err: Error): void {
    if ((err as { code?: unknown }).code === EXCEEDED) this.onCut();
    super.onError(err);
  }
}

/**
 * The Node entry's {@link ResponseCap}: the client's RPCs go through their own undici `Agent`
 * with `maxResponseSize`, given to Node's `fetch` as its `dispatcher`. Past `maxBytes` undici
 * closes the connection: the rest of the answer is never read nor buffered.
 */
export function undiciResponseCap(maxBytes: number): ResponseCap {
  const agent = new Agent({ maxResponseSize: maxBytes });
  return {
    maxBytes,
    attempt() {
      let cut = false;
      const dispatcher = agent.compose((dispatch) => (opts, handler) => dispatch(opts, new CutWatch(handler, () => (cut = true))));
      return { fetchInit: { dispatcher }, cut: () => cut };
    },
  };
}
