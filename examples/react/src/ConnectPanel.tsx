/** Pick a user, connect and disconnect. */
import { useStore } from '@nanostores/react';
import { useState } from 'react';
import { client, fetchToken, run, store } from './client';

const USERS = ['alice', 'bob', 'carol'];

/** `Alice (alice)` for a user whose name differs from the id. */
export function displayName(user: { id: string; name?: string } | undefined): string {
  if (!user) return 'someone';
  return user.name && user.name !== user.id ? `${user.name} (${user.id})` : user.id;
}

/** The user picker and the connect/disconnect buttons. */
export function ConnectPanel() {
  const user = useStore(store.connectedUser$);
  const [picked, setPicked] = useState(USERS[0]);
  const connect = () =>
    run('connect', () => client.connectUser({ id: picked, name: picked.charAt(0).toUpperCase() + picked.slice(1) }, () => fetchToken(picked)));
  return (
    <section>
      <h2>User</h2>
      <div className="row">
        <select value={picked} onChange={(e) => setPicked(e.target.value)} disabled={Boolean(user)} data-testid="user-select">
          {USERS.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <button onClick={connect} disabled={Boolean(user)} data-testid="connect">
          Connect
        </button>
        <button className="secondary" onClick={() => run('disconnect', () => client.disconnectUser())} disabled={!user} data-testid="disconnect">
          Disconnect
        </button>
      </div>
      <p className="muted" data-testid="current-user">
        {user ? `Signed in as ${displayName(user)}` : 'Not connected'}
      </p>
    </section>
  );
}
