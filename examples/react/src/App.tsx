/** The page: who is connected, ringing, the active call with its participants and video tiles. */
import { useStore } from '@nanostores/react';
import { CallPanel } from './CallPanel';
import { error$, errorCode$, store } from './client';
import { ConnectPanel } from './ConnectPanel';
import { RingPanel } from './RingPanel';

/** The whole app; every piece of state comes from a store through `useStore`. */
export function App() {
  const connectionState = useStore(store.connectionState$);
  const error = useStore(error$);
  const errorCode = useStore(errorCode$);
  return (
    <>
      <header>
        <h1>Stream Video · React</h1>
        <span className={`pill ${connectionState}`} data-testid="connection-state">
          {connectionState}
        </span>
      </header>
      <main>
        <div>
          <ConnectPanel />
          <RingPanel />
          <p className="error" role="alert" hidden={!error} data-code={errorCode} data-testid="error">
            {error}
          </p>
        </div>
        <div>
          <CallPanel />
        </div>
      </main>
    </>
  );
}
