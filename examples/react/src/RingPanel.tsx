/** Ring someone; the incoming calls (accept, reject) and the outgoing ones (cancel). */
import { useStore } from '@nanostores/react';
import { useEffect, useState, type FormEvent } from 'react';
import type { CallAcceptedEvent, PendingCall } from 'stream-video-client';
import { CALL_TYPE, client, newCallId, run, splitCid, store } from './client';
import { displayName } from './ConnectPanel';

/** The ring form and both lists of pending calls. */
export function RingPanel() {
  const user = useStore(store.connectedUser$);
  const incoming = useStore(store.incomingCalls$);
  const outgoing = useStore(store.outgoingCalls$);
  const accepted = useLastAccepted();
  const [callee, setCallee] = useState('');
  const ring = (event: FormEvent) => {
    event.preventDefault();
    run('ring', () => client.getOrCreateCall(newCallId(), CALL_TYPE, { members: [{ userId: callee.trim() }], ring: true }));
  };
  return (
    <>
      <section>
        <h2>Ring someone</h2>
        <form className="row" onSubmit={ring}>
          <input value={callee} onChange={(e) => setCallee(e.target.value)} placeholder="user id, e.g. bob" autoComplete="off" data-testid="callee-input" />
          <button disabled={!user || callee.trim() === ''} data-testid="ring">
            Ring
          </button>
        </form>
      </section>
      <section>
        <h2>Incoming calls</h2>
        <PendingList calls={incoming} direction="incoming" me={user?.id} />
      </section>
      <section>
        <h2>Outgoing calls</h2>
        <PendingList calls={outgoing} direction="outgoing" me={user?.id} />
        {accepted && (
          <p className="muted" data-testid="accepted-call">
            {accepted.callCid} accepted by {accepted.user?.id ?? 'someone'}
          </p>
        )}
      </section>
    </>
  );
}

/** The last accepted outgoing call: the store clears acceptedCall$ once it is joined, this keeps it as news. */
function useLastAccepted(): CallAcceptedEvent | undefined {
  const [last, setLast] = useState<CallAcceptedEvent | undefined>(store.acceptedCall$.get());
  useEffect(
    () =>
      store.acceptedCall$.subscribe((accepted) => {
        if (accepted) setLast(accepted);
      }),
    [],
  );
  return last;
}

function PendingList({ calls, direction, me }: { calls: readonly PendingCall[]; direction: 'incoming' | 'outgoing'; me: string | undefined }) {
  if (calls.length === 0) {
    return (
      <ul>
        <li className="empty" data-testid={`${direction}-empty`}>
          No {direction} calls
        </li>
      </ul>
    );
  }
  return (
    <ul>
      {calls.map((pending) => {
        const cid = pending.call.call?.cid ?? '';
        const { type, id } = splitCid(cid);
        const others = pending.call.members.filter((m) => m.userId !== me).map((m) => m.userId);
        return (
          <li key={cid} data-testid={`${direction}-call`} data-call-cid={cid}>
            <span className="grow">
              {direction === 'incoming' ? `${displayName(pending.ringer)} is calling` : `Ringing ${others.join(', ') || '…'}`}
              <br />
              <small>{cid}</small>
            </span>
            {direction === 'incoming' ? (
              <>
                <button onClick={() => run('accept', () => client.acceptCall(id, type))} data-testid="accept">
                  Accept
                </button>
                <button className="danger" onClick={() => run('reject', () => client.rejectCall(id, type))} data-testid="reject">
                  Reject
                </button>
              </>
            ) : (
              <button className="danger" onClick={() => run('cancel', () => client.cancelCall(id, type))} data-testid="cancel">
                Cancel
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
