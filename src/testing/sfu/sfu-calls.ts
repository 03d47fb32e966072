import { PeerType, SdpType, TrackType, type Signal } from '../../../gen/stream/video/coordinator/v1/models';
import { TRACK_CAPABILITIES } from '../../media/track-type';
import type { CallRecord, ParticipantRecord } from '../state/call-record';
import { requireCapability, type CoordinatorState } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import { JanusApi } from './janus-api';
import { JanusError } from './janus-error';
import type { JanusServer } from './janus-server';
import type { JanusStatus } from './local-sfu';
import type { JanodeEvents } from './room-context';
import { sdpSections, sends } from './sdp-sections';
import { SfuRoom } from './sfu-room';

/** Most tracks in one SubscriptionUpdate. */
export const MAX_TRACK_SUBSCRIPTIONS = 1000;
/** Largest width or height a TrackSubscription may ask for, in pixels. */
export const MAX_VIDEO_DIMENSION = 16384;

/**
 * The SFU calls of the local coordinator on its Janus: a room per call with participants
 * (made by the first join), the relay of each session's signals to and from Janus, the checks
 * the coordinator makes before relaying (what an offer may send, the publisher limit), and
 * what happens when Janus stops or comes back: the participants of every SFU call get
 * `call.sfu_changed` (unavailable, then available with a new SFU session id), joins fail
 * with `unavailable` meanwhile.
 *
 * ```ts
 * const sfu = new SfuCalls(janus, state, onError);
 * const sfuSessionId = await sfu.join(call); // in JoinCall
 * sfu.relay(call, participant, signals);     // in SendSignals, after sfu.check(...)
 * await sfu.close();
 * ```
 */
export class SfuCalls {
  private readonly rooms = new Map<string, Promise<SfuRoom>>();
  /** The folder each recorded call's publishers are recorded into (rooms made later record there too). */
  private readonly recordFolders = new Map<string, string>();
  /** Rooms being closed (the last participant left, the call ended), by call: their recordings end with them. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Rooms made, for unique room ids on one Janus. */
  private roomIds = 0;
  private events: JanodeEvents | undefined;
  private readonly stopListening: () => void;
  private closed = false;

  constructor(
    /** The coordinator's Janus. */
    readonly janus: JanusServer,
    private readonly state: CoordinatorState,
    private readonly onError: (err: unknown, where: string) => void,
  ) {
    this.stopListening = janus.onStatus((status) => this.onJanusStatus(status));
  }

  /**
   * The SFU session id of an SFU call for a session joining it, making the call's room at the
   * first join.
   * @throws TwirpError `unavailable` (`reason = "sfu_unavailable"`) while Janus is not running or refuses.
   */
  async join(call: CallRecord): Promise<string> {
    return (await this.roomOf(call)).sfuSessionId;
  }

  /** The session id standing for the SFU in `call`'s signals, once its room exists. */
  async sfuSessionIdOf(call: CallRecord): Promise<string | undefined> {
    const room = this.rooms.get(call.cid);
    return room ? (await room.catch(() => undefined))?.sfuSessionId : undefined;
  }

  /** Sessions of `call` that hold a publisher at the SFU (they count against its publisher limit). */
  async publishingSessions(call: CallRecord): Promise<Set<string>> {
    const room = await this.rooms.get(call.cid)?.catch(() => undefined);
    return room?.publishingSessions() ?? new Set();
  }

  /**
   * Checks signals from `from` to the SFU before anything is relayed: each names its peer
   * connection; the publisher offers, the subscriber answers; an offer sends only what the
   * user may publish (`permission_denied` naming the capability) and, from a session that
   * holds no publisher yet, only within the publisher limit (`resource_exhausted`,
   * `reason = "sfu_limit"`).
   */
  async check(call: CallRecord, from: ParticipantRecord, signals: readonly Signal[], field: string): Promise<void> {
    let publishing: Set<string> | undefined;
    for (const [j, signal] of signals.entries()) {
      const at = `${field}.signals[${j}]`;
      const kind = signal.kind;
      if (signal.peerType !== PeerType.PUBLISHER && signal.peerType !== PeerType.SUBSCRIBER)
        throw TwirpError.invalid(`${at}.peer_type`, 'must be PUBLISHER or SUBSCRIBER to the SFU');
      const subscriber = signal.peerType === PeerType.SUBSCRIBER;
      switch (kind.oneofKind) {
        case 'description': {
          const wanted = subscriber ? SdpType.ANSWER : SdpType.OFFER;
          if (kind.description.type !== wanted)
            throw TwirpError.invalid(
              `${at}.description.type`,
              subscriber ? 'must be ANSWER: the SFU offers the subscriber connection' : 'must be OFFER: the session offers its publisher connection',
            );
          if (!subscriber) {
            checkOffer(call, from, kind.description.sdp, kind.description.trackTypes, `${at}.description`);
            publishing ??= await this.publishingSessions(call);
            const limit = call.settings.media?.maxPublishers || 1;
            if (!publishing.has(from.sessionId) && publishing.size >= limit) {
              throw new TwirpError('resource_exhausted', `call ${call.cid} has ${publishing.size} publishing participants, its SFU's limit`, {
                reason: 'sfu_limit',
                limit: String(limit),
              });
            }
          }
          break;
        }
        case 'subscriptionUpdate': {
          if (!subscriber) throw TwirpError.invalid(`${at}.peer_type`, 'must be SUBSCRIBER for a subscription update');
          const tracks = kind.subscriptionUpdate.tracks;
          if (tracks.length > MAX_TRACK_SUBSCRIPTIONS)
            throw TwirpError.invalid(`${at}.subscription_update.tracks`, `must hold at most ${MAX_TRACK_SUBSCRIPTIONS} tracks`);
          const seen = new Set<string>();
          tracks.forEach((t, k) => {
            const f = `${at}.subscription_update.tracks[${k}]`;
            if (!t.sessionId) throw TwirpError.missing(`${f}.session_id`);
            if (t.trackType !== TrackType.VIDEO && t.trackType !== TrackType.SCREEN_SHARE)
              throw TwirpError.invalid(`${f}.track_type`, 'must be VIDEO or SCREEN_SHARE');
            if (t.width > MAX_VIDEO_DIMENSION || t.height > MAX_VIDEO_DIMENSION)
              throw TwirpError.invalid(`${f}.width`, `and height must be at most ${MAX_VIDEO_DIMENSION}`);
            const id = `${t.sessionId}\n${t.trackType}`;
            if (seen.has(id)) throw TwirpError.invalid(f, 'repeats a session and track type listed before');
            seen.add(id);
          });
          break;
        }
        case 'iceRestart':
          if (!subscriber) throw TwirpError.invalid(`${at}.peer_type`, 'must be SUBSCRIBER for an ICE restart: the publisher restarts ICE with an offer');
          break;
        default:
          break;
      }
    }
  }

  /** Relays checked, deduplicated signals from a session to the SFU, in order. */
  relay(call: CallRecord, from: ParticipantRecord, signals: readonly Signal[]): void {
    void this.rooms.get(call.cid)?.then(
      (room) => room.relay(from.sessionId, signals),
      () => {},
    );
  }

  /** A session left an SFU call (leave, grace, kick): its links close; the last one out closes the room. */
  participantLeft(call: CallRecord, sessionId: string): void {
    const pending = this.rooms.get(call.cid);
    if (!pending) return;
    const empty = call.participants.size === 0;
    if (empty) this.rooms.delete(call.cid);
    const done = pending.then(
      async (room) => {
        if (empty) await room.close();
        else await room.left(sessionId);
      },
      () => {},
    );
    if (empty) this.trackClosing(call.cid, done);
  }

  /** An SFU call ended: its room closes. */
  callEnded(call: CallRecord): void {
    const pending = this.rooms.get(call.cid);
    this.rooms.delete(call.cid);
    this.recordFolders.delete(call.cid);
    if (pending)
      this.trackClosing(
        call.cid,
        pending.then(
          (room) => room.close(),
          () => {},
        ),
      );
  }

  /**
   * Records every publisher of `call` into `folder` (one `.mjr` file per stream; publishers
   * who come later, and rooms made later, too), or stops (undefined). Resolves once Janus has
   * opened or closed its files: after a stop, the folder holds the whole recording.
   * @throws JanusError when Janus refuses; nothing is recorded then.
   */
  async record(call: CallRecord, folder: string | undefined): Promise<void> {
    if (folder) this.recordFolders.set(call.cid, folder);
    else this.recordFolders.delete(call.cid);
    const room = await this.rooms.get(call.cid)?.catch(() => undefined);
    if (room) await room.record(folder);
    else if (!folder) await this.closing.get(call.cid);
  }

  /** A user's capabilities in an SFU call changed: their streams are muted or unmuted at the SFU. */
  permissionsChanged(call: CallRecord, userId: string): void {
    void this.rooms.get(call.cid)?.then(
      (room) => room.permissionsChanged(userId),
      () => {},
    );
  }

  /** Closes every room and stops Janus, leaving no process behind. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    await Promise.all(rooms.map((r) => r.then((room) => room.close()).catch(() => {})));
    await this.janus.close();
  }

  private roomOf(call: CallRecord): Promise<SfuRoom> {
    let room = this.rooms.get(call.cid);
    if (!room) {
      room = this.createRoom(call);
      this.rooms.set(call.cid, room);
      // A room that could not be made is not kept: the next join tries again.
      room.catch(() => {
        if (this.rooms.get(call.cid) === room) this.rooms.delete(call.cid);
      });
    }
    return room;
  }

  private async createRoom(call: CallRecord): Promise<SfuRoom> {
    try {
      const api = this.janus.api();
      this.events ??= await JanusApi.events();
      const deps = {
        api,
        events: this.events,
        publish: (userIds: Iterable<string>, c: CallRecord, payload: Parameters<CoordinatorState['publish']>[2]) => this.state.publish(userIds, c, payload),
        report: (err: unknown, where: string) => this.report(err, where),
      };
      return await SfuRoom.create(deps, call, ++this.roomIds, this.recordFolders.get(call.cid));
    } catch (err) {
      const why = err instanceof JanusError ? err.code : 'internal';
      throw new TwirpError('unavailable', `the SFU cannot serve call ${call.cid} now (${why})`, { reason: 'sfu_unavailable' });
    }
  }

  /** Remembers a room being closed until it is. */
  private trackClosing(cid: string, done: Promise<void>): void {
    const tracked = done.finally(() => {
      if (this.closing.get(cid) === tracked) this.closing.delete(cid);
    });
    this.closing.set(cid, tracked);
  }

  private onJanusStatus(status: JanusStatus): void {
    if (this.closed) return;
    if (status === 'down') {
      // Every room went with Janus: participants hear it, and their old SFU session ids retire.
      const rooms = [...this.rooms];
      this.rooms.clear();
      for (const [cid, pending] of rooms) {
        void pending.then(
          (room) => {
            const call = this.state.calls.get(cid);
            void room.close();
            if (!call) return;
            call.departed.set(room.sfuSessionId, '');
            this.state.publish(participantUsers(call), call, { oneofKind: 'sfuChanged', sfuChanged: { available: false, sfuSessionId: '' } });
          },
          () => {},
        );
      }
    } else if (status === 'running') {
      // Back: every SFU call with participants gets a new room, and its participants connect to it.
      for (const call of this.state.calls.values()) {
        if (call.settings.media?.topology !== 'sfu' || call.participants.size === 0 || call.ended) continue;
        this.roomOf(call).then(
          (room) =>
            this.state.publish(participantUsers(call), call, { oneofKind: 'sfuChanged', sfuChanged: { available: true, sfuSessionId: room.sfuSessionId } }),
          (err: unknown) => this.report(err, 'sfu restart'),
        );
      }
    }
  }

  private report(err: unknown, where: string): void {
    // Requests that fail because Janus went away are expected: the status change says it.
    if (err instanceof JanusError && err.code === 'stopped') return;
    if (this.closed) return;
    this.onError(err, where);
  }
}

/** The users with a session in `call`. */
function participantUsers(call: CallRecord): Set<string> {
  return new Set([...call.participants.values()].map((p) => p.userId));
}

/** Checks what a publisher offer sends: each section's declared type fits its kind, and the user may publish it. */
function checkOffer(call: CallRecord, from: ParticipantRecord, sdp: string, trackTypes: { [mid: string]: TrackType }, field: string): void {
  for (const section of sdpSections(sdp)) {
    if (!sends(section) || (section.kind !== 'audio' && section.kind !== 'video')) continue;
    const declared = trackTypes[section.mid];
    const type = declared ?? (section.kind === 'audio' ? TrackType.AUDIO : TrackType.VIDEO);
    const fits = section.kind === 'audio' ? type === TrackType.AUDIO : type === TrackType.VIDEO || type === TrackType.SCREEN_SHARE;
    if (!fits) throw TwirpError.invalid(`${field}.track_types`, `names ${section.kind} section "${section.mid}" ${TrackType[type] ?? String(type)}`);
    requireCapability(call, from.userId, TRACK_CAPABILITIES[type as keyof typeof TRACK_CAPABILITIES]);
  }
}
