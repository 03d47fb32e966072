/**
 * Reactions and moderation: the reactions bar, a tile's moderation buttons (for those whose
 * role allows them), the blocked users with an Unblock button, and what a moderator did to
 * this user, with "Join again" after a removal.
 */
import { useStore } from '@nanostores/react';
import { atom } from 'nanostores';
import { useEffect, useReducer } from 'react';
import { TrackType, type Call, type StreamParticipant, type User } from 'stream-video-client';
import { client, run, splitCid, store } from './client';
import { displayName } from './ConnectPanel';

/** What a moderator last did to this user, and the call to join again after a removal. */
const notice$ = atom<{ text: string; rejoinCid?: string } | undefined>(undefined);

const isMe = (user: User | undefined) => user !== undefined && user.id === store.connectedUser$.get()?.id;
const TRACK_NAMES: Record<number, string> = { [TrackType.AUDIO]: 'microphone', [TrackType.VIDEO]: 'camera', [TrackType.SCREEN_SHARE]: 'screen share' };

// Listeners outlive `disconnectUser`: added once, outside React, for every connection.
client.on('call.user_muted', (e) => {
  if (e.mutedUserIds.includes(store.connectedUser$.get()?.id ?? ''))
    notice$.set({ text: `${displayName(e.user)} muted your ${e.trackTypes.map((t) => TRACK_NAMES[t]).join(' and ')}` });
});
client.on('call.kicked_user', (e) => {
  if (isMe(e.user)) notice$.set({ text: `${displayName(e.kickedByUser)} removed you from the call`, rejoinCid: e.callCid });
});
client.on('call.blocked_user', (e) => {
  if (isMe(e.user)) notice$.set({ text: `${displayName(e.blockedByUser)} blocked you from the call`, rejoinCid: e.callCid });
});
store.activeCall$.listen((call) => {
  if (call) notice$.set(undefined);
});

const REACTIONS: [type: string, emojiCode: string][] = [
  ['like', '👍'],
  ['love', '❤️'],
  ['fireworks', '🎉'],
  ['raised-hand', '✋'],
];

/** A button per reaction; each sends it from this session. */
export function ReactionsBar({ call }: { call: Call }) {
  return (
    <div className="row reactions" data-testid="reactions">
      {REACTIONS.map(([type, emojiCode]) => (
        <button
          key={type}
          className="secondary"
          title={type}
          onClick={() => void run('react', () => call.sendReaction({ type, emojiCode }))}
          data-testid={`react-${type}`}
        >
          {emojiCode} {type}
        </button>
      ))}
    </div>
  );
}

/** A participant's reaction while the store shows it. */
export function TileReaction({ participant: p }: { participant: StreamParticipant }) {
  if (!p.reaction) return null;
  return (
    <span className="reaction" data-testid="tile-reaction">
      {`${p.reaction.emojiCode} ${p.reaction.type}`.trim()}
    </span>
  );
}

/** Mute, kick and block buttons for a remote participant, each shown when the user's capabilities allow it. */
export function TileModeration({ call, participant: p, capabilities }: { call: Call; participant: StreamParticipant; capabilities: readonly string[] }) {
  if (p.isLocalParticipant) return null;
  const can = (capability: string) => capabilities.includes(capability);
  return (
    <>
      {can('mute-users') && (
        <button className="danger" onClick={() => void run('mute', () => call.muteUser(p.userId, TrackType.AUDIO))} data-testid="mute-audio">
          Mute mic
        </button>
      )}
      {can('mute-users') && (
        <button className="danger" onClick={() => void run('mute', () => call.muteUser(p.userId, TrackType.VIDEO))} data-testid="mute-video">
          Mute cam
        </button>
      )}
      {can('kick-user') && (
        <button className="danger" onClick={() => void run('kick', () => call.kickUser(p.userId))} data-testid="kick-user">
          Kick
        </button>
      )}
      {can('block-users') && (
        <button className="danger" onClick={() => void run('block', () => call.blockUser(p.userId))} data-testid="block-user">
          Block
        </button>
      )}
    </>
  );
}

/**
 * `call.data.blockedUserIds`, kept fresh: a block or an unblock arrives as `call.blocked_user`
 * or `call.unblocked_user` (the store already shows it when listeners run).
 */
function useBlockedUsers(call: Call | undefined): readonly string[] {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const offs = [client.on('call.blocked_user', () => rerender()), client.on('call.unblocked_user', () => rerender())];
    return () => offs.forEach((off) => off());
  }, []);
  return call?.data.blockedUserIds ?? [];
}

/** The call's blocked users, each with an Unblock button for those who may. */
export function BlockedUsers({ call, capabilities }: { call: Call; capabilities: readonly string[] }) {
  const blocked = useBlockedUsers(call);
  if (blocked.length === 0) return null;
  return (
    <ul data-testid="blocked-users">
      {blocked.map((userId) => (
        <li key={userId} data-testid="blocked-user" data-user-id={userId}>
          <span className="grow">{userId} is blocked</span>
          {capabilities.includes('block-users') && (
            <button className="secondary" onClick={() => void run('unblock', () => call.unblockUser(userId))} data-testid="unblock">
              Unblock
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** What a moderator did to this user; after a removal, a button to join the call again. */
export function ModerationNotice() {
  const notice = useStore(notice$);
  if (!notice) return null;
  const rejoin = notice.rejoinCid;
  return (
    <div className="notice">
      <span data-testid="moderation-notice">{notice.text}</span>
      {rejoin && (
        <button
          className="secondary"
          onClick={() =>
            void run('join again', () => {
              const { type, id } = splitCid(rejoin);
              return client.joinCall(id, type);
            })
          }
          data-testid="rejoin"
        >
          Join again
        </button>
      )}
    </div>
  );
}
