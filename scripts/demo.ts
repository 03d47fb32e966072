/**
 * The demo: a local coordinator in-process, Alice rings Bob, Bob accepts, both join, Bob asks
 * to share his screen, Alice grants it, Alice records for a moment, Carol's call is queried,
 * then everyone leaves. Prints a timeline: time, user, what happened, what the store shows.
 */
import { CALL_CONFIG, StreamVideoClient, type StreamEvent, type StreamEventName } from '../src/index-node';
import { LocalCoordinator } from '../src/testing';

const started = performance.now();
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
function line(user: string, what: string, detail = ''): void {
  const t = `${(performance.now() - started).toFixed(0).padStart(5)} ms`;
  process.stdout.write(`${t}  ${pad(user, 6)} ${pad(what, 34)} ${detail}\n`);
}

function describe(e: StreamEvent): string {
  switch (e.type) {
    case 'call.ring':
      return `from ${e.user?.id}`;
    case 'call.accepted':
    case 'call.rejected':
    case 'call.cancelled':
    case 'call.recording_started':
    case 'call.recording_stopped':
      return `by ${e.user?.id}`;
    case 'call.participant_joined':
    case 'call.participant_left':
      return `${e.participant?.user?.id}`;
    case 'call.permission_request':
      return `${e.user?.id} asks for ${e.permissions.join(', ')}`;
    case 'call.permissions_updated':
      return `${e.userId} may now: ${e.ownCapabilities.join(', ')}`;
    case 'connection.changed':
      return e.state;
    default:
      return '';
  }
}

/** Prints every event a client receives and the store values that change. */
function watch(name: string, client: StreamVideoClient): void {
  client.on('*', (e) => line(name, `event ${e.type}`, `${'seq' in e ? `#${e.seq} ` : ''}${describe(e)}`));
  const s = client.readOnlyStateStore;
  s.incomingCalls$.listen((v) => line(name, 'store incomingCalls$', v.map((c) => c.call.call?.cid).join(', ') || '(none)'));
  s.outgoingCalls$.listen((v) => line(name, 'store outgoingCalls$', v.map((c) => c.call.call?.cid).join(', ') || '(none)'));
  s.acceptedCall$.listen((v) => v && line(name, 'store acceptedCall$', `accepted by ${v.user?.id}`));
  s.activeCall$.listen((v) => line(name, 'store activeCall$', v ? v.cid : '(none)'));
  s.participants$.listen((v) =>
    line(
      name,
      'store participants$',
      v
        .toArray()
        .map((p) => p.userId + (p.isLocalParticipant ? ' (me)' : ''))
        .join(', ') || '(none)',
    ),
  );
  s.callRecordingInProgress$.listen((v) => line(name, 'store callRecordingInProgress$', String(v)));
  s.callPermissionRequest$.listen((v) => v && line(name, 'store callPermissionRequest$', `${v.user?.id}: ${v.permissions.join(', ')}`));
}

function next(client: StreamVideoClient, name: StreamEventName): Promise<void> {
  return new Promise((resolve) => {
    const off = client.on(name, () => {
      off();
      resolve();
    });
  });
}

async function main(): Promise<void> {
  const coordinator = await LocalCoordinator.start();
  line('-', 'local coordinator started', coordinator.baseUrl);
  const make = () => new StreamVideoClient(coordinator.apiKey, { baseUrl: coordinator.baseUrl }, CALL_CONFIG.ring);
  const alice = make();
  const bob = make();
  const carol = make();
  watch('alice', alice);
  watch('bob', bob);

  await alice.connectUser({ id: 'alice', name: 'Alice' }, () => coordinator.createToken('alice', { expiresInSeconds: 3600 }));
  await bob.connectUser({ id: 'bob', name: 'Bob' }, () => coordinator.createToken('bob', { expiresInSeconds: 3600 }));
  await carol.connectUser({ id: 'carol', name: 'Carol' }, () => coordinator.createToken('carol', { expiresInSeconds: 3600 }));

  line('alice', 'rings bob');
  const rung = next(bob, 'call.ring');
  await alice.getOrCreateCall('demo-call', 'default', { members: [{ userId: 'bob' }], ring: true });
  await rung;

  line('bob', 'accepts and joins');
  const acceptedSeen = next(alice, 'call.accepted');
  const bobCall = await bob.acceptCall('demo-call', 'default');
  await acceptedSeen;

  line('alice', 'joins');
  const aliceJoinedSeen = next(bob, 'call.participant_joined');
  const aliceCall = await alice.joinCall('demo-call', 'default');
  await aliceJoinedSeen;
  line('alice', 'edge server', `${aliceCall.credentials.edgeName} (${aliceCall.credentials.serverUrl})`);

  line('bob', 'asks to share his screen');
  const requestSeen = next(alice, 'call.permission_request');
  await bob.requestCallPermissions('demo-call', 'default', { permissions: ['screenshare'] });
  await requestSeen;

  line('alice', 'grants screenshare to bob');
  const grantSeen = next(bob, 'call.permissions_updated');
  await alice.updateUserPermissions('demo-call', 'default', { userId: 'bob', grantPermissions: ['screenshare'] });
  await grantSeen;
  line('bob', 'own capabilities', bobCall.ownCapabilities.join(', '));

  line('alice', 'starts recording');
  const recordingSeen = next(bob, 'call.recording_started');
  await alice.startRecording('demo-call', 'default');
  await recordingSeen;
  line('alice', 'stops recording');
  const stoppedSeen = next(bob, 'call.recording_stopped');
  await alice.stopRecording('demo-call', 'default');
  await stoppedSeen;

  line('carol', 'creates her own call');
  await carol.getOrCreateCall('carol-standup', 'default', { members: [{ userId: 'dave' }, { userId: 'alice' }], ring: false });
  const found = await alice.queryCalls({ created_by_user_id: 'carol' }, [{ field: 'created_at', direction: -1 }], 10);
  line('alice', "queries carol's calls", found.calls.map((c) => `${c.call?.cid} (${c.members.length} members)`).join(', '));

  line('bob', 'leaves');
  const bobLeftSeen = next(alice, 'call.participant_left');
  await bobCall.leave();
  await bobLeftSeen;
  line('alice', 'leaves');
  await aliceCall.leave();

  await Promise.all([alice.disconnectUser(), bob.disconnectUser(), carol.disconnectUser()]);
  await coordinator.close();
  line('-', 'done', 'everyone left, coordinator closed');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
