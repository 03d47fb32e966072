/**
 * Everything the store shows survives a re-sync (issue 25, item 2). Every atom of
 * `readOnlyStateStore` is read below (a new atom fails the first test until it is), and the
 * README's table "What a re-sync restores" names each one. One scenario runs twice: once with
 * alice online, once with her socket down while more events are made for her than the replay
 * buffer keeps, so that she re-syncs through RPCs. Both runs must end with the same store, and
 * the store must go on folding events the same way after it.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import {
  CallEventType,
  GetOrCreateCallRequest,
  JoinCallRequest,
  LeaveCallRequest,
  RequestPermissionRequest,
  SendCallEventRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CALL_CONFIG, TrackType, type StreamVideoClient } from '../../src/index-node';
import { README } from '../../scripts/readme-blocks';
import { CALL_TYPES } from '../../src/testing';
import { FakeNetwork } from '../helpers/channel';
import { rpcClient } from '../helpers/rpc';
import { Harness, nextEvent, waitFor } from '../helpers/sdk';

const test = suite('StreamVideoClient: what a re-sync restores');

type Store = StreamVideoClient['readOnlyStateStore'];
type AtomName = { [K in keyof Store]: K extends `${string}$` ? K : never }[keyof Store];

const ids = (list: Iterable<{ userId: string }>) => [...list].map((p) => p.userId);

/** Each atom of the store, read as plain values that two runs can compare (session ids are random, users are not). */
const READ: { [K in AtomName]: (s: Store) => unknown } = {
  connectedUser$: (s) => s.connectedUser$.get()?.id,
  connectionState$: (s) => s.connectionState$.get(),
  pendingCalls$: (s) => s.pendingCalls$.get().map((p) => `${p.direction} ${p.call.call?.cid} rung by ${p.ringer?.id}`),
  incomingCalls$: (s) => s.incomingCalls$.get().map((p) => p.call.call?.cid),
  outgoingCalls$: (s) => s.outgoingCalls$.get().map((p) => p.call.call?.cid),
  acceptedCall$: (s) => {
    const e = s.acceptedCall$.get();
    return e && `${e.callCid} accepted by ${e.user?.id}`;
  },
  activeCall$: (s) => {
    const call = s.activeCall$.get();
    return (
      call && {
        cid: call.cid,
        members: call.members.map((m) => m.userId).sort(),
        ownCapabilities: [...call.ownCapabilities].sort(),
        blocked: [...call.data.blockedUserIds],
      }
    );
  },
  participants$: (s) => ids(s.participants$.get()),
  localParticipant$: (s) => s.localParticipant$.get()?.userId,
  remoteParticipants$: (s) => ids(s.remoteParticipants$.get()),
  pinnedParticipants$: (s) => ids(s.pinnedParticipants$.get()),
  dominantSpeaker$: (s) => s.dominantSpeaker$.get()?.userId,
  callRecordingInProgress$: (s) => s.callRecordingInProgress$.get(),
  callPermissionRequest$: (s) => {
    const e = s.callPermissionRequest$.get();
    return e && `${e.user?.id} asks for ${e.permissions.join(', ')}`;
  },
  hasOngoingScreenShare$: (s) => s.hasOngoingScreenShare$.get(),
  // Measured by the client from its peer connections (none here): no coordinator state.
  callStatsReport$: (s) => s.callStatsReport$.get() !== undefined,
  // Whether this browser refused to play remote audio: the client's own, no coordinator state.
  autoplayBlocked$: (s) => s.autoplayBlocked$.get(),
};

function read(client: StreamVideoClient): Record<string, unknown> {
  return Object.fromEntries(Object.entries(READ).map(([name, get]) => [name, get(client.readOnlyStateStore)]));
}

/** Both runs' reads after the offline window, and after what happens once alice is back. */
interface Run {
  recovered: string[];
  offline: Record<string, unknown>;
  after: Record<string, unknown>;
  lost: number;
}

/**
 * alice joins `development:main` with bob and pins him; rings hank in `default:accept-me`,
 * ivy, jack and kim in `default:reject-me`; frank rings her in `default:frank-1`. Then (her
 * socket down when `drop`): carol joins main, dave joins and leaves, bob shares his screen,
 * records, asks for screenshare, carol asks for send-audio and bob grants it, erin joins,
 * asks and leaves, bob adds gina, revokes alice's send-video and blocks zed; hank accepts, ivy rejects,
 * frank cancels his ring and rings again in `default:frank-2`. Back online: jack and kim
 * reject (the ring is over only if ivy's reject is known), alice grants bob.
 */
async function scenario(drop: boolean): Promise<Run> {
  const h = await Harness.start({ replayBuffer: { size: 5 } });
  try {
    // alice's network is the test's: offline after the drop, so that her reconnect waits for
    // every event to be produced (a backoff timer would race them on a busy machine).
    const network = new FakeNetwork();
    const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting, opts: { network } });
    const bob = await h.connect('bob', { callConfig: CALL_CONFIG.meeting });
    const raw = Object.fromEntries(
      await Promise.all(['carol', 'dave', 'erin', 'frank', 'hank', 'ivy', 'jack', 'kim'].map(async (u) => [u, await rpcClient(h.c, u)] as const)),
    );
    const main = await alice.joinCall('main', 'development', { members: [{ userId: 'bob' }] });
    const bobCall = await bob.joinCall('main', 'development');
    await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 2, 'alice sees bob');
    alice.setParticipantIsPinned(bobCall.sessionId, true);
    const speaker = nextEvent(alice, 'call.dominant_speaker_changed');
    // The local coordinator has no dominant speaker of its own (an SFU would say): told as an event.
    h.c.events.publish(['alice', 'bob'], main.cid, {
      oneofKind: 'dominantSpeakerChanged',
      dominantSpeakerChanged: { userId: 'bob', sessionId: bobCall.sessionId },
    });
    await speaker;
    await alice.getOrCreateCall('accept-me', 'default', { members: [{ userId: 'hank' }], ring: true });
    await alice.getOrCreateCall('reject-me', 'default', { members: [{ userId: 'ivy' }, { userId: 'jack' }, { userId: 'kim' }], ring: true });
    const rung = nextEvent(alice, 'call.ring');
    await ring(raw['frank'], 'frank-1');
    await rung;
    assert.equal(READ.pendingCalls$(alice.readOnlyStateStore), [
      'outgoing default:accept-me rung by alice',
      'outgoing default:reject-me rung by alice',
      'incoming default:frank-1 rung by frank',
    ]);

    const recovered: string[] = [];
    alice.on('connection.recovered', (e) => void recovered.push(e.reason));
    const back = drop ? nextEvent(alice, 'connection.recovered', () => true, 10_000) : undefined;
    if (drop) {
      const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
      assert.is(h.c.hub.faults.dropUser('alice'), 1);
      await down;
      network.goOffline();
    }
    const seqBefore = h.c.events.log('alice').seq;
    const join = (u: string, session: string) => raw[u].joinCall(JoinCallRequest.create({ type: 'development', id: 'main', sessionId: session }));
    const leave = (u: string, session: string) => raw[u].leaveCall(LeaveCallRequest.create({ type: 'development', id: 'main', sessionId: session }));
    const ask = (u: string, permissions: string[]) =>
      raw[u].requestPermission(RequestPermissionRequest.create({ type: 'development', id: 'main', permissions }));
    await join('carol', 'carol-1');
    await join('dave', 'dave-1');
    await leave('dave', 'dave-1');
    await bob.coordinatorClient.updatePublishedTracks({
      type: 'development',
      id: 'main',
      sessionId: bobCall.sessionId,
      publishedTracks: [TrackType.SCREEN_SHARE],
    });
    await bob.startRecording('main', 'development');
    await bob.requestCallPermissions('main', 'development', { permissions: ['screenshare'] });
    await ask('carol', ['send-audio']);
    await bob.updateUserPermissions('main', 'development', { userId: 'carol', grantPermissions: ['send-audio'] });
    await join('erin', 'erin-1');
    await ask('erin', ['send-video']);
    await leave('erin', 'erin-1');
    await bob.coordinatorClient.updateCallMembers({ type: 'development', id: 'main', updateMembers: [{ userId: 'gina' }] });
    await bob.updateUserPermissions('main', 'development', { userId: 'alice', revokePermissions: ['send-video'] });
    await bobCall.blockUser('zed');
    await answer(raw['hank'], 'accept-me', CallEventType.ACCEPTED);
    await answer(raw['ivy'], 'reject-me', CallEventType.REJECTED);
    await answer(raw['frank'], 'frank-1', CallEventType.CANCELLED);
    await ring(raw['frank'], 'frank-2');
    const lost = h.c.events.log('alice').seq - seqBefore;

    if (back) {
      assert.is(alice.readOnlyStateStore.connectionState$.get(), 'offline', 'every event was produced while alice was down');
      network.goOnline();
      await back;
    } else await marker(h, alice, main.cid, 1);
    const offline = read(alice);

    // Back online, the store folds on from what it restored.
    await answer(raw['jack'], 'reject-me', CallEventType.REJECTED);
    await answer(raw['kim'], 'reject-me', CallEventType.REJECTED);
    await alice.updateUserPermissions('main', 'development', { userId: 'bob', grantPermissions: ['screenshare'] });
    await marker(h, alice, main.cid, 2);
    return { recovered, offline, after: read(alice), lost };
  } finally {
    await h.close();
  }
}

function ring(frank: Awaited<ReturnType<typeof rpcClient>>, id: string) {
  return frank.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, ring: true, data: { members: [{ userId: 'alice', role: '' }] } }));
}

function answer(client: Awaited<ReturnType<typeof rpcClient>>, id: string, eventType: CallEventType) {
  return client.sendCallEvent(SendCallEventRequest.create({ type: 'default', id, eventType }));
}

/** Publishes a marker to alice last and resolves once she has folded it. */
async function marker(h: Harness, alice: StreamVideoClient, cid: string, n: number): Promise<void> {
  const seen = nextEvent(alice, 'custom', (e) => e.custom['marker'] === n);
  h.c.events.publish(['alice'], cid, { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ marker: n }) } });
  await seen;
}

test('every atom of the store is read here and named in the README table "What a re-sync restores"', async () => {
  const h = await Harness.start();
  try {
    const atoms = Object.keys(h.client().readOnlyStateStore).filter((k) => k.endsWith('$'));
    assert.equal(Object.keys(READ).sort(), atoms.sort());
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('### What a re-sync restores'));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| :---')));
    for (const atom of atoms) assert.ok(table.includes(`\`${atom}\``), `the README table names ${atom}`);
  } finally {
    await h.close();
  }
});

test('after events lost beyond the replay buffer, the re-synced store equals an online run, and folds on the same way', async () => {
  const online = await scenario(false);
  const resynced = await scenario(true);
  assert.ok(resynced.lost > 5, `more events than the replay buffer keeps were made (${resynced.lost})`);
  assert.equal(online.recovered, []);
  assert.equal(resynced.recovered, ['resync']);
  assert.equal(online.offline, {
    connectedUser$: 'alice',
    connectionState$: 'connected',
    pendingCalls$: ['outgoing default:reject-me rung by alice', 'incoming default:frank-2 rung by frank'],
    incomingCalls$: ['default:frank-2'],
    outgoingCalls$: ['default:reject-me'],
    acceptedCall$: 'default:accept-me accepted by hank',
    activeCall$: {
      cid: 'development:main',
      members: ['alice', 'bob', 'gina'],
      ownCapabilities: CALL_TYPES.get('development')!
        .roles['admin'].filter((c) => c !== 'send-video')
        .sort(),
      blocked: ['zed'],
    },
    participants$: ['alice', 'bob', 'carol'],
    localParticipant$: 'alice',
    remoteParticipants$: ['bob', 'carol'],
    pinnedParticipants$: ['bob'],
    dominantSpeaker$: 'bob',
    callRecordingInProgress$: true,
    callPermissionRequest$: 'bob asks for screenshare',
    hasOngoingScreenShare$: true,
    callStatsReport$: false,
    autoplayBlocked$: false,
  });
  assert.equal(resynced.offline, online.offline);
  assert.equal(online.after, {
    ...online.offline,
    pendingCalls$: ['incoming default:frank-2 rung by frank'],
    outgoingCalls$: [],
    callPermissionRequest$: undefined,
  });
  assert.equal(resynced.after, online.after);
});

test.run();
