/**
 * SendSignals and UpdatePublishedTracks in SFU calls (contract, both formats): signals to the
 * SFU name their peer connection, the publisher offers and the subscriber answers; an offer
 * that would send what the user may not publish is refused before anything reaches Janus
 * (`permission_denied` naming the capability), as are a track type that does not fit its
 * section, a subscription update to a participant and signals between participants; the
 * SFU's publisher limit is `resource_exhausted` with `reason = "sfu_limit"`. Nothing here is
 * relayed to Janus, so no media flows and no network namespace is needed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  GetOrCreateCallRequest,
  JoinCallRequest,
  SendSignalsRequest,
  UpdatePublishedTracksRequest,
  type OutgoingSignals,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { PeerType, SdpType, TrackType, type Signal } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing';
import { expectRpcError, FORMATS, rpcClient, uniqueId } from '../helpers/rpc';
import { startCoordinator } from '../helpers/coordinator';

const test = suite<{ c: LocalCoordinator }>('SFU calls: signalling checks', {} as { c: LocalCoordinator });
const errors: unknown[] = [];

test.before(async (ctx) => {
  ctx.c = await startCoordinator({ sfu: 'janus', onError: (err) => errors.push(err) });
});
test.after(async (ctx) => {
  await ctx.c.close();
  assert.equal(errors, [], 'nothing went wrong inside the coordinator');
});

/** An SDP offering one section of each `kind`, sending (or `direction`). */
function sdp(sections: { kind: 'audio' | 'video'; mid: string; direction?: string }[]): string {
  const lines = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];
  for (const s of sections) lines.push(`m=${s.kind} 9 UDP/TLS/RTP/SAVPF 96`, 'c=IN IP4 0.0.0.0', `a=mid:${s.mid}`, `a=${s.direction ?? 'sendonly'}`);
  return `${lines.join('\r\n')}\r\n`;
}

const offer = (seq: number, body: string, trackTypes: Record<string, TrackType> = {}, peerType = PeerType.PUBLISHER): Signal => ({
  seq,
  generation: 0,
  peerType,
  kind: { oneofKind: 'description', description: { type: SdpType.OFFER, sdp: body, trackTypes, trackSessionIds: {} } },
});

for (const { json, label } of FORMATS) {
  /** alice creates an audio_room call (bob may join it but publish nothing); both join. */
  async function setup(c: LocalCoordinator, maxPublishers = 0) {
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((u) => rpcClient(c, u, { json })));
    const id = uniqueId('sfu');
    await alice.getOrCreateCall(
      GetOrCreateCallRequest.create({ type: 'audio_room', id, data: { settingsOverride: { media: { maxPublishers, topology: '' } } } }),
    );
    const joined = await alice.joinCall(JoinCallRequest.create({ type: 'audio_room', id, sessionId: 'a-1' }));
    await bob.joinCall(JoinCallRequest.create({ type: 'audio_room', id, sessionId: 'b-1' }));
    const sfu = joined.response.credentials!.sfuSessionId;
    const send = (client: typeof alice, sessionId: string, targets: OutgoingSignals[]) =>
      client.sendSignals(SendSignalsRequest.create({ type: 'audio_room', id, sessionId, targets }));
    return { alice, bob, id, sfu, send };
  }

  test(`SendSignals to the SFU: the peer connection is named, the publisher offers, the subscriber answers (${label})`, async ({ c }) => {
    const s = await setup(c);
    const unnamed = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([]), {}, PeerType.UNSPECIFIED)] }]),
      'invalid_argument',
    );
    assert.is(unnamed.meta['argument'], 'targets[0].signals[0].peer_type');
    const subscriberOffer = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([]), {}, PeerType.SUBSCRIBER)] }]),
      'invalid_argument',
    );
    assert.is(subscriberOffer.meta['argument'], 'targets[0].signals[0].description.type');
    const publisherRestart: Signal = { seq: 1, generation: 0, peerType: PeerType.PUBLISHER, kind: { oneofKind: 'iceRestart', iceRestart: {} } };
    const restart = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [publisherRestart] }]), 'invalid_argument');
    assert.is(restart.meta['argument'], 'targets[0].signals[0].peer_type');
  });

  test(`SendSignals to the SFU: an offer sending what the user may not publish is refused, naming the capability (${label})`, async ({ c }) => {
    const s = await setup(c);
    const video = await expectRpcError(
      s.send(s.bob, 'b-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([{ kind: 'video', mid: '0' }]))] }]),
      'permission_denied',
    );
    assert.is(video.meta['capability'], 'send-video');
    // Named a screen share, a video section needs `screenshare`; an unnamed audio one `send-audio`.
    const screen = await expectRpcError(
      s.send(s.bob, 'b-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([{ kind: 'video', mid: '0' }]), { '0': TrackType.SCREEN_SHARE })] }]),
      'permission_denied',
    );
    assert.is(screen.meta['capability'], 'screenshare');
    const audio = await expectRpcError(
      s.send(s.bob, 'b-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([{ kind: 'audio', mid: '0' }]))] }]),
      'permission_denied',
    );
    assert.is(audio.meta['capability'], 'send-audio');
    // A track type must fit its section: AUDIO names an audio section, VIDEO or SCREEN_SHARE a video one.
    const mismatch = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [offer(1, sdp([{ kind: 'audio', mid: '0' }]), { '0': TrackType.VIDEO })] }]),
      'invalid_argument',
    );
    assert.is(mismatch.meta['argument'], 'targets[0].signals[0].description.track_types');
  });

  test(`SendSignals in an SFU call: no signal between participants, subscription updates only to the SFU, checked (${label})`, async ({ c }) => {
    const s = await setup(c);
    const direct = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: 'b-1', signals: [offer(1, sdp([]), {}, PeerType.UNSPECIFIED)] }]),
      'invalid_argument',
    );
    assert.is(direct.meta['argument'], 'targets[0].to_session_id');
    const update = (tracks: { sessionId: string; trackType: TrackType; width: number; height: number }[], peerType = PeerType.SUBSCRIBER): Signal => ({
      seq: 1,
      generation: 0,
      peerType,
      kind: { oneofKind: 'subscriptionUpdate', subscriptionUpdate: { tracks } },
    });
    const onPublisher = await expectRpcError(s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [update([], PeerType.PUBLISHER)] }]), 'invalid_argument');
    assert.is(onPublisher.meta['argument'], 'targets[0].signals[0].peer_type');
    const audioTrack = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [update([{ sessionId: 'b-1', trackType: TrackType.AUDIO, width: 1, height: 1 }])] }]),
      'invalid_argument',
    );
    assert.is(audioTrack.meta['argument'], 'targets[0].signals[0].subscription_update.tracks[0].track_type');
    const huge = await expectRpcError(
      s.send(s.alice, 'a-1', [{ toSessionId: s.sfu, signals: [update([{ sessionId: 'b-1', trackType: TrackType.VIDEO, width: 100_000, height: 1 }])] }]),
      'invalid_argument',
    );
    assert.is(huge.meta['argument'], 'targets[0].signals[0].subscription_update.tracks[0].width');
  });

  test(`UpdatePublishedTracks in an SFU call: beyond the SFU's publisher limit, resource_exhausted with reason sfu_limit (${label})`, async ({ c }) => {
    const s = await setup(c, 1);
    const publish = (client: typeof s.alice, sessionId: string, tracks: TrackType[]) =>
      client.updatePublishedTracks(UpdatePublishedTracksRequest.create({ type: 'audio_room', id: s.id, sessionId, publishedTracks: tracks }));
    await publish(s.alice, 'a-1', [TrackType.AUDIO]);
    await s.alice.joinCall(JoinCallRequest.create({ type: 'audio_room', id: s.id, sessionId: 'a-2' }));
    const full = await expectRpcError(publish(s.alice, 'a-2', [TrackType.AUDIO]), 'resource_exhausted');
    assert.equal([full.meta['reason'], full.meta['limit']], ['sfu_limit', '1']);
    // A publisher that stops frees its place.
    await publish(s.alice, 'a-1', []);
    await publish(s.alice, 'a-2', [TrackType.AUDIO]);
  });
}

test.run();
