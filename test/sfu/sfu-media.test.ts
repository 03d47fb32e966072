/**
 * Media through the local coordinator's Janus, between Node peers (`@roamhq/wrtc`) that stand
 * in for browsers, inside the test run's network namespace: publishers and a viewer see each
 * other's video with one publisher and one subscriber connection each; the size a viewer
 * prefers picks the simulcast layer, and 0x0 stops the video; a revoke stops forwarding at the
 * SFU whatever the revoked (modified) client does, and its new offer is refused; a Janus that
 * dies mid-call is noticed by every participant, a restarted one brings their media back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TrackType, type Call, type RTCPeerConnectionConstructor, type StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { startCoordinator } from '../helpers/coordinator';
import { toneMicrophone, type SyntheticSource } from '../helpers/patterns';
import { RawSfuPublisher } from '../helpers/raw-sfu-publisher';
import { expectRpcError, uniqueId } from '../helpers/rpc';
import { expectError, nextEvent, until } from '../helpers/sdk';
import {
  countingPeerConnection,
  eventually,
  MEDIA_WAIT_MS,
  nodePeer,
  rerunInNamespace,
  sfuInterface,
  stopsGrowing,
  syntheticCamera,
  type SyntheticCamera,
} from '../helpers/sfu';

const iceInterface = sfuInterface();
if (!iceInterface && process.argv[1] === import.meta.filename) process.exit(await rerunInNamespace(import.meta.filename));
if (!iceInterface)
  throw new Error("SFU media runs inside the test run's network namespace (TEST_NETNS_INTERFACE): run it with npm test, or alone with npx tsx");

interface Ctx {
  c: LocalCoordinator;
  clients: StreamVideoClient[];
  cameras: (SyntheticCamera | SyntheticSource)[];
  raw: RawSfuPublisher[];
  errors: unknown[];
}
const test = suite<Ctx>('SFU media between Node peers', { c: undefined as never, clients: [], cameras: [], raw: [], errors: [] });

test.before(async (ctx) => {
  ctx.c = await startCoordinator({ sfu: { iceInterface }, onError: (err) => ctx.errors.push(err) });
});
test.after.each(async (ctx) => {
  for (const camera of ctx.cameras.splice(0)) camera.stop();
  for (const raw of ctx.raw.splice(0)) raw.close();
  await Promise.all(ctx.clients.splice(0).map((client) => client.disconnectUser()));
});
test.after(async (ctx) => {
  await ctx.c.close();
  assert.equal(ctx.errors, [], 'nothing went wrong inside the coordinator');
});

async function peer(ctx: Ctx, userId: string, RTCPeerConnection?: RTCPeerConnectionConstructor): Promise<StreamVideoClient> {
  const client = await nodePeer(ctx.c, userId, RTCPeerConnection ? { RTCPeerConnection } : {});
  ctx.clients.push(client);
  return client;
}

function camera(ctx: Ctx, width = 320, height = 180): SyntheticCamera {
  const cam = syntheticCamera(width, height);
  ctx.cameras.push(cam);
  return cam;
}

/** What `call` receives from `userId`'s tracks, per the SDK's stats. */
async function receivedFrom(call: Call, userId: string): Promise<{ frames: number; bytes: number; width: number }> {
  const peers = (await call.getStats()).peers.filter((p) => p.userId === userId);
  return {
    frames: peers.reduce((n, p) => n + p.subscriber.framesProcessed, 0),
    bytes: peers.reduce((n, p) => n + p.subscriber.totalBytes, 0),
    width: Math.max(0, ...peers.map((p) => p.subscriber.highestFrameWidth)),
  };
}

/** What `client`'s store shows of the media health of `sessionId`: the connection's state and its video's. */
function healthOf(client: StreamVideoClient, sessionId: string): string {
  const p = client.readOnlyStateStore.remoteParticipants$.get().get(sessionId);
  return `${p?.mediaConnectionState} ${p?.trackStates[TrackType.VIDEO]}`;
}

/** Resolves once `client`'s store shows `health` (see {@link healthOf}) for `sessionId`. */
function showsHealth(client: StreamVideoClient, sessionId: string, health: string, what: string): Promise<void> {
  return until(
    () => healthOf(client, sessionId) === health,
    () => `${what}: ${health} (now ${healthOf(client, sessionId)})`,
    MEDIA_WAIT_MS,
  );
}

/** Resolves once `call` decodes more frames of `userId` than now. */
async function decodesMoreOf(call: Call, userId: string, what: string): Promise<void> {
  const start = (await receivedFrom(call, userId)).frames;
  await eventually(
    () => receivedFrom(call, userId),
    (r) => r.frames > start + 5,
    what,
  );
}

test('two publishers and a viewer: everyone sees every camera, over one publisher and one subscriber connection each', async (ctx) => {
  const id = uniqueId('sfu');
  const counters = ['alice', 'bob', 'carol'].map(() => countingPeerConnection());
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u, i) => peer(ctx, u, counters[i].Ctor)));
  const calls = [await alice.joinCall(id, 'development'), await bob.joinCall(id, 'development'), await carol.joinCall(id, 'development')];
  assert.is(calls[0].data.settings?.media?.topology, 'sfu');
  await calls[0].publishVideoStream(camera(ctx).stream);
  await calls[1].publishVideoStream(camera(ctx).stream);
  await decodesMoreOf(calls[0], 'bob', 'alice decodes bob');
  await decodesMoreOf(calls[1], 'alice', 'bob decodes alice');
  await decodesMoreOf(calls[2], 'alice', 'carol decodes alice');
  await decodesMoreOf(calls[2], 'bob', 'carol decodes bob');
  const remoteVideo = (client: StreamVideoClient) =>
    client.readOnlyStateStore.remoteParticipants$
      .get()
      .toArray()
      .filter((p) => p.videoStream)
      .map((p) => p.userId)
      .sort();
  assert.equal(remoteVideo(carol), ['alice', 'bob']);
  assert.equal(remoteVideo(alice), ['bob']);
  // Media health as in a mesh: the connection that brings each participant's media, and its tracks.
  await showsHealth(carol, calls[0].sessionId, 'connected receiving', "carol's store shows alice's video arriving");
  await showsHealth(carol, calls[1].sessionId, 'connected receiving', "carol's store shows bob's video arriving");
  assert.is(healthOf(alice, calls[2].sessionId), 'idle undefined', 'carol publishes nothing: idle');
  // A screen share is a track of its own on the same publisher connection (a renegotiation).
  await calls[0].publishScreenShareStream(camera(ctx, 320, 180).stream);
  await until(
    () => Boolean(carol.readOnlyStateStore.remoteParticipants$.get().get(calls[0].sessionId)?.screenShareStream),
    "alice's screen share reaches carol's store",
    MEDIA_WAIT_MS,
  );
  // A publisher and a subscriber connection for each publisher, a subscriber one for the viewer.
  assert.equal(
    counters.map((c) => [c.made(), c.open()]),
    [
      [2, 2],
      [2, 2],
      [1, 1],
    ],
  );
  await Promise.all(calls.map((call) => call.leave()));
  assert.equal(
    counters.map((c) => c.open()),
    [0, 0, 0],
    'leaving closes them',
  );
});

test('the size a viewer prefers picks the simulcast layer, from the subscription on, down and up again; 0x0 stops the video; undefined goes back to the top layer', async (ctx) => {
  const id = uniqueId('layers');
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => peer(ctx, u)));
  const [aliceCall, bobCall] = [await alice.joinCall(id, 'development'), await bob.joinCall(id, 'development')];
  const carolCall = await carol.joinCall(id, 'development');
  // bob shows no video before alice publishes: his subscription to it starts with none (Janus
  // sends a video subscribed with `send: false`: the coordinator configures it once connected).
  bobCall.setPreferredIncomingVideoResolution({ width: 0, height: 0 });
  // 640x360: the two upper layers are 640 and 320 wide.
  await aliceCall.publishVideoStream(camera(ctx, 640, 360).stream);
  await decodesMoreOf(carolCall, 'alice', 'carol decodes alice');
  // Janus takes no `send: false` with a subscription: the coordinator pauses the video once bob's
  // connection is up, and a busy machine lets a packet or two through first (276 bytes once).
  // Then nothing more comes.
  await eventually(
    async () => {
      const before = await receivedFrom(bobCall, 'alice');
      await new Promise((resolve) => setTimeout(resolve, 500));
      return [before.bytes, (await receivedFrom(bobCall, 'alice')).bytes];
    },
    ([before, after]) => after === before,
    'bob receives nothing more of the video he does not show',
  );
  bobCall.setPreferredIncomingVideoResolution(undefined);
  await eventually(
    () => receivedFrom(bobCall, 'alice'),
    (r) => r.width === 640,
    'bob receives alice at 640 wide (no preference: the top layer)',
  );
  bobCall.setPreferredIncomingVideoResolution({ width: 320, height: 180 });
  await eventually(
    () => receivedFrom(bobCall, 'alice'),
    (r) => r.width > 0 && r.width <= 320,
    'bob receives a lower layer of alice',
  );
  // Up again, straight from the lower layer: Janus switches on a keyframe of the top layer, and
  // asks for one once; the coordinator asks again until the switch is made (it never came here before).
  bobCall.setPreferredIncomingVideoResolution(undefined);
  await eventually(
    () => receivedFrom(bobCall, 'alice'),
    (r) => r.width === 640,
    'bob receives alice at 640 wide, straight from the lower layer',
  );
  bobCall.setPreferredIncomingVideoResolution({ width: 320, height: 180 });
  await eventually(
    () => receivedFrom(bobCall, 'alice'),
    (r) => r.width > 0 && r.width <= 320,
    'bob receives a lower layer of alice again',
  );
  bobCall.setPreferredIncomingVideoResolution({ width: 0, height: 0 }, [aliceCall.sessionId]);
  await stopsGrowing(async () => (await receivedFrom(bobCall, 'alice')).bytes, "alice's video stops reaching bob");
  bobCall.setPreferredIncomingVideoResolution(undefined, [aliceCall.sessionId]);
  bobCall.setPreferredIncomingVideoResolution(undefined);
  await eventually(
    () => receivedFrom(bobCall, 'alice'),
    (r) => r.width === 640,
    'bob receives alice at 640 wide again',
  );
  expectErrorSync(() => bobCall.setPreferredIncomingVideoResolution({ width: -1, height: 10 }), 'resolution.width');
});

/** Asserts that `fn` throws `invalid_argument` naming `argument`. */
function expectErrorSync(fn: () => unknown, argument: string): void {
  try {
    fn();
  } catch (err) {
    assert.is((err as { code?: string }).code, 'invalid_argument');
    assert.is((err as { meta?: Record<string, unknown> }).meta?.['argument'], argument);
    return;
  }
  assert.unreachable(`no error naming ${argument}`);
}

test('a revoke stops forwarding at the SFU whatever the revoked client does; its new offer is refused; a grant lets it through again', async (ctx) => {
  const id = uniqueId('revoke');
  const [alice, carol] = await Promise.all(['alice', 'carol'].map((u) => peer(ctx, u)));
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }, { userId: 'carol' }] });
  const [aliceCall, carolCall] = [await alice.joinCall(id, 'default'), await carol.joinCall(id, 'default')];
  // bob's client is modified: it publishes through raw signalling and never stops by itself.
  const bob = await RawSfuPublisher.join(ctx.c, 'bob', 'default', id);
  ctx.raw.push(bob);
  await bob.publish(camera(ctx).stream);
  await decodesMoreOf(carolCall, 'bob', 'carol decodes bob');
  await alice.updateUserPermissions(id, 'default', { userId: 'bob', revokePermissions: ['send-video'] });
  const stoppedAt = await stopsGrowing(async () => (await receivedFrom(carolCall, 'bob')).bytes, "bob's video stops reaching carol");
  const sent = await bob.bytesSent();
  await eventually(
    () => bob.bytesSent(),
    (n) => n > sent + 10_000,
    'bob keeps sending',
  );
  assert.is((await receivedFrom(carolCall, 'bob')).bytes, stoppedAt, 'nothing more reaches carol');
  const refused = await expectRpcError(bob.offer(), 'permission_denied');
  assert.is(refused.meta['capability'], 'send-video');
  await alice.updateUserPermissions(id, 'default', { userId: 'bob', grantPermissions: ['send-video'] });
  await decodesMoreOf(carolCall, 'bob', "bob's video reaches carol again");
  void aliceCall;
});

test('the dominant speaker comes from the SFU: Janus hears who talks, the coordinator tells everyone (call.dominant_speaker_changed)', async (ctx) => {
  const id = uniqueId('speaker');
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => peer(ctx, u)));
  const [aliceCall, bobCall] = [await alice.joinCall(id, 'development'), await bob.joinCall(id, 'development')];
  await carol.joinCall(id, 'development');
  const speaker = (client: StreamVideoClient) => client.readOnlyStateStore.dominantSpeaker$.get()?.sessionId;
  // alice talks (a tone), bob publishes nothing yet.
  const heard = nextEvent(carol, 'call.dominant_speaker_changed', (e) => e.sessionId === aliceCall.sessionId, MEDIA_WAIT_MS);
  const mic = toneMicrophone(440);
  ctx.cameras.push(mic);
  await aliceCall.publishAudioStream(mic.stream);
  assert.is((await heard).userId, 'alice');
  for (const client of [alice, bob, carol])
    await until(() => speaker(client) === aliceCall.sessionId, 'everyone shows alice as the dominant speaker', MEDIA_WAIT_MS);
  // alice stops, bob talks: bob is the dominant speaker.
  await aliceCall.stopPublish(TrackType.AUDIO);
  const bobMic = toneMicrophone(660);
  ctx.cameras.push(bobMic);
  await bobCall.publishAudioStream(bobMic.stream);
  for (const client of [alice, bob, carol])
    await until(() => speaker(client) === bobCall.sessionId, 'everyone shows bob as the dominant speaker', MEDIA_WAIT_MS);
});

test("Janus dies mid-call: participants hear it, new joins are unavailable; restarted, the call's media comes back", async (ctx) => {
  const id = uniqueId('crash');
  const [alice, bob] = await Promise.all(['alice', 'bob'].map((u) => peer(ctx, u)));
  const [aliceCall, bobCall] = [await alice.joinCall(id, 'development'), await bob.joinCall(id, 'development')];
  await aliceCall.publishVideoStream(camera(ctx).stream);
  await decodesMoreOf(bobCall, 'alice', 'bob decodes alice');
  const down = nextEvent(bob, 'call.sfu_changed', (e) => !e.available);
  process.kill(ctx.c.sfu!.pid!, 'SIGKILL');
  await down;
  await until(() => !bob.readOnlyStateStore.remoteParticipants$.get().get(aliceCall.sessionId)?.videoStream, "alice's video leaves bob's store", MEDIA_WAIT_MS);
  // Bob's store says so: alice's media is reconnecting (her video turns stalled after 4 s).
  assert.is(bob.readOnlyStateStore.remoteParticipants$.get().get(aliceCall.sessionId)?.mediaConnectionState, 'reconnecting');
  const carol = await peer(ctx, 'carol');
  const refused = await expectError(carol.joinCall(uniqueId('new'), 'development'), 'unavailable');
  assert.is(refused.meta['reason'], 'sfu_unavailable');
  const back = nextEvent(bob, 'call.sfu_changed', (e) => e.available);
  await ctx.c.sfu!.restart();
  assert.match((await back).sfuSessionId, /^sfu-/);
  await decodesMoreOf(bobCall, 'alice', 'bob decodes alice through the new Janus');
  await until(
    () => Boolean(bob.readOnlyStateStore.remoteParticipants$.get().get(aliceCall.sessionId)?.videoStream),
    "alice's video is back in bob's store",
    MEDIA_WAIT_MS,
  );
  await showsHealth(bob, aliceCall.sessionId, 'connected receiving', "bob's store shows alice's video arriving again");
  const newCall = await carol.joinCall(uniqueId('new'), 'development');
  assert.is(newCall.data.settings?.media?.topology, 'sfu');
});

test.run();
