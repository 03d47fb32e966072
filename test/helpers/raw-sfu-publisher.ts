/**
 * A modified client for tests of what the SFU enforces: it joins an SFU call and publishes a
 * camera to the SFU through raw RPCs (SendSignals) and a Node peer connection, and ignores
 * everything the coordinator says about permissions: it never stops sending by itself.
 *
 * ```ts
 * const bob = await RawSfuPublisher.join(coordinator, 'bob', 'default', callId);
 * await bob.publish(syntheticCamera().stream);
 * await bob.bytesSent(); // keeps growing whatever happens
 * await bob.close();
 * ```
 */
import wrtc from '@roamhq/wrtc';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import { JoinCallRequest, SendSignalsRequest, type SendSignalsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { PeerType, SdpType, TrackType, type Signal } from '../../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../../src/testing';
import { eventsOf, rpcClient, seqOf } from './rpc';
import { eventually } from './sfu';

export class RawSfuPublisher {
  private readonly pc = new wrtc.RTCPeerConnection({});
  private seq = 0;

  private constructor(
    private readonly c: LocalCoordinator,
    private readonly client: CoordinatorServiceClient,
    readonly userId: string,
    readonly sessionId: string,
    private readonly type: string,
    private readonly id: string,
    /** The SFU's session id in the call. */
    readonly sfu: string,
  ) {
    this.pc.onicecandidate = (e) => {
      const c = e.candidate;
      if (!c) return;
      void this.send({
        oneofKind: 'candidate',
        candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? '', sdpMLineIndex: c.sdpMLineIndex ?? -1, usernameFragment: '' },
      });
    };
  }

  /** Joins the call `type:id` as `userId`. */
  static async join(c: LocalCoordinator, userId: string, type: string, id: string): Promise<RawSfuPublisher> {
    const client = await rpcClient(c, userId);
    const sessionId = `${userId}-raw`;
    const { response } = await client.joinCall(JoinCallRequest.create({ type, id, sessionId }));
    return new RawSfuPublisher(c, client, userId, sessionId, type, id, response.credentials!.sfuSessionId);
  }

  /** Offers the first video track of `stream` to the SFU and applies its answer. */
  async publish(stream: MediaStream): Promise<void> {
    this.pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
    const after = this.lastSeq();
    await this.offer();
    const answer = await eventually(
      async () => this.signalsAfter(after).find((s) => s.kind.oneofKind === 'description'),
      (s) => s !== undefined,
      `${this.userId} gets the SFU's answer`,
    );
    if (answer?.kind.oneofKind === 'description') await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.kind.description.sdp });
  }

  /** Sends a new offer with the camera (a renegotiation), whatever the user may do: the RPC's answer. */
  async offer(): Promise<SendSignalsResponse> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const mid = this.pc.getTransceivers()[0]?.mid ?? '0';
    return this.send({
      oneofKind: 'description',
      description: { type: SdpType.OFFER, sdp: offer.sdp ?? '', trackTypes: { [mid]: TrackType.VIDEO }, trackSessionIds: {} },
    });
  }

  /** Video bytes sent so far. */
  async bytesSent(): Promise<number> {
    let bytes = 0;
    for (const s of (await this.pc.getStats()).values() as Iterable<{ type: string; kind?: string; bytesSent?: number }>)
      if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent ?? 0;
    return bytes;
  }

  close(): void {
    this.pc.close();
  }

  private async send(kind: Signal['kind']): Promise<SendSignalsResponse> {
    const signal: Signal = { seq: ++this.seq, generation: 0, peerType: PeerType.PUBLISHER, kind };
    const { response } = await this.client.sendSignals(
      SendSignalsRequest.create({ type: this.type, id: this.id, sessionId: this.sessionId, targets: [{ toSessionId: this.sfu, signals: [signal] }] }),
    );
    return response;
  }

  private lastSeq(): number {
    return seqOf(this.c, this.userId);
  }

  private signalsAfter(after: number): Signal[] {
    return eventsOf(this.c, this.userId, after).flatMap((e) =>
      e.payload.oneofKind === 'callSignal' && e.payload.callSignal.toSessionId === this.sessionId ? e.payload.callSignal.signals : [],
    );
  }
}
