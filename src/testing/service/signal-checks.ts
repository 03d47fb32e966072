import { PeerType, SdpType, type Signal } from '../../../gen/stream/video/coordinator/v1/models';
import { TokenBucket } from '../../media/token-bucket';
import { isPublishableTrackType } from '../../media/track-type';
import { TwirpError } from '../twirp/twirp-error';

/**
 * What the local coordinator lets one `SendSignals` request and one (sender, target) pair of
 * sessions relay. A request over any of them relays nothing: `invalid_argument` (with
 * `meta.argument`) for what no retry can fix, `resource_exhausted` (with `meta.reason`
 * `signal_rate` or `generation_rate` and `meta.to_session_id`) for a pair that sent too much
 * too fast.
 */
export const SIGNAL_LIMITS = {
  /** Target sessions in one request. */
  maxTargets: 16,
  /** Signals in one request, all targets together. */
  maxSignalsPerRequest: 500,
  /** Characters of SDP and candidate text in one request, all signals together. */
  maxRequestChars: 256 * 1024,
  /** Characters of one description's SDP. */
  maxSdpChars: 32 * 1024,
  /** Media sections (`m=` lines) of one description. */
  maxMediaSections: 32,
  /**
   * The same two limits for a description to the SFU: a subscriber connection has a media
   * section per remote track, however large the call.
   */
  maxSfuSdpChars: 1024 * 1024,
  maxSfuMediaSections: 2048,
  /** Characters of one ICE candidate line. */
  maxCandidateChars: 1024,
  /** Characters of a candidate's `sdpMid` and of a `track_types` key. */
  maxMidChars: 32,
  /** Characters of a candidate's `usernameFragment` (ICE's own limit). */
  maxUfragChars: 256,
  /** Entries of one description's `track_types`. */
  maxTrackTypes: 16,
  /** How far a signal's generation may step past the highest either session of the pair used. */
  maxGenerationStep: 1,
  /** Signals a pair may relay at once, then one per `signalRefillMs`. */
  signalBurst: 200,
  signalRefillMs: 50,
  /** Generation steps a pair may make at once, then one per `generationRefillMs`. */
  generationBurst: 3,
  generationRefillMs: 5000,
};

/** What the coordinator remembers of one (sender, target) pair. */
export interface PairState {
  /** The highest generation the sender used towards the target. */
  generation: number;
  readonly signals: TokenBucket;
  readonly generations: TokenBucket;
}

/** A new {@link PairState}: full buckets, generation 0. */
export function newPairState(now = Date.now()): PairState {
  return {
    generation: 0,
    signals: new TokenBucket(SIGNAL_LIMITS.signalBurst, SIGNAL_LIMITS.signalRefillMs, now),
    generations: new TokenBucket(SIGNAL_LIMITS.generationBurst, SIGNAL_LIMITS.generationRefillMs, now),
  };
}

/**
 * Checks one signal on its own: its sequence number, its kind, and that a description is a
 * session description and a candidate a candidate line, within the size limits.
 * @param field the signal's path in the request, e.g. `targets[0].signals[2]`, for `meta.argument`.
 * @param toSfu whether the signal goes to the call's SFU (its peer type then says which
 *   connection; a subscription update goes nowhere else; a description may be larger).
 * @returns the characters of text it carries, for the request's total.
 * @throws TwirpError `invalid_argument`.
 */
export function checkSignal(field: string, signal: Signal, toSfu = false): number {
  if (!Number.isSafeInteger(signal.seq) || signal.seq < 1) throw TwirpError.invalid(`${field}.seq`, 'must be a whole number from 1');
  if (!toSfu && signal.peerType !== PeerType.UNSPECIFIED) throw TwirpError.invalid(`${field}.peer_type`, 'must be UNSPECIFIED between two sessions');
  const kind = signal.kind;
  switch (kind.oneofKind) {
    case 'description': {
      const d = kind.description;
      if (!(d.type in SdpType) || d.type === SdpType.UNSPECIFIED)
        throw TwirpError.invalid(`${field}.description.type`, 'must be OFFER, ANSWER, PRANSWER or ROLLBACK');
      if (d.type === SdpType.ROLLBACK) {
        if (d.sdp) throw TwirpError.invalid(`${field}.description.sdp`, 'must be empty for a rollback');
      } else {
        if (!d.sdp) throw TwirpError.missing(`${field}.description.sdp`);
        const problem = sdpProblem(d.sdp, toSfu);
        if (problem) throw TwirpError.invalid(`${field}.description.sdp`, problem);
      }
      const entries = Object.entries(d.trackTypes);
      if (entries.length > SIGNAL_LIMITS.maxTrackTypes)
        throw TwirpError.invalid(`${field}.description.track_types`, `must hold at most ${SIGNAL_LIMITS.maxTrackTypes} entries`);
      for (const [mid, t] of entries) {
        if (!isPublishableTrackType(t))
          throw TwirpError.invalid(`${field}.description.track_types`, `contains ${t}: only AUDIO, VIDEO, SCREEN_SHARE and SCREEN_SHARE_AUDIO`);
        if (!mid || mid.length > SIGNAL_LIMITS.maxMidChars)
          throw TwirpError.invalid(`${field}.description.track_types`, `keys must be mids of 1 to ${SIGNAL_LIMITS.maxMidChars} characters`);
      }
      return d.sdp.length;
    }
    case 'candidate': {
      const c = kind.candidate;
      if (c.candidate.length > SIGNAL_LIMITS.maxCandidateChars)
        throw TwirpError.invalid(`${field}.candidate.candidate`, `must be at most ${SIGNAL_LIMITS.maxCandidateChars} characters`);
      // An empty candidate is the end of the candidates.
      if (c.candidate && !CANDIDATE.test(c.candidate))
        throw TwirpError.invalid(
          `${field}.candidate.candidate`,
          'must be an ICE candidate line ("candidate:<foundation> <component> <transport> ... typ <type>")',
        );
      if (c.sdpMid.length > SIGNAL_LIMITS.maxMidChars)
        throw TwirpError.invalid(`${field}.candidate.sdp_mid`, `must be at most ${SIGNAL_LIMITS.maxMidChars} characters`);
      if (c.usernameFragment.length > SIGNAL_LIMITS.maxUfragChars)
        throw TwirpError.invalid(`${field}.candidate.username_fragment`, `must be at most ${SIGNAL_LIMITS.maxUfragChars} characters`);
      const sections = toSfu ? SIGNAL_LIMITS.maxSfuMediaSections : SIGNAL_LIMITS.maxMediaSections;
      if (c.sdpMLineIndex < -1 || c.sdpMLineIndex >= sections)
        throw TwirpError.invalid(`${field}.candidate.sdp_m_line_index`, `must be -1 (unknown) to ${sections - 1}`);
      return c.candidate.length + c.sdpMid.length + c.usernameFragment.length;
    }
    case 'iceRestart':
    case 'offerRequest':
      return 0;
    case 'subscriptionUpdate':
      if (!toSfu) throw TwirpError.invalid(`${field}.subscription_update`, 'can only be sent to the SFU');
      return 0;
    default:
      throw TwirpError.missing(`${field}.kind`);
  }
}

/** RFC 8839's candidate attribute, as `RTCIceCandidate.candidate` carries it (without `a=`). */
const CANDIDATE = /^candidate:[A-Za-z0-9+/]{1,32} \d{1,3} [A-Za-z]{1,16} \d{1,10} [^\s]{1,255} \d{1,5} typ (host|srflx|prflx|relay)( [^\s]{1,255})*$/;
/** One line of SDP (RFC 8866): a lower-case letter, `=`, then text without control characters. */
function isSdpLine(line: string): boolean {
  if (line.length < 2 || line[1] !== '=' || line[0] < 'a' || line[0] > 'z') return false;
  for (let i = 2; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}
/** A media description line: `m=<media> <port> <proto> <fmt> ...`. */
const MEDIA_LINE = /^m=[a-z]{1,32} \d{1,5}(\/\d{1,5})? [A-Za-z0-9/]{1,32}( [^\s]{1,64})+$/;

/**
 * Why `sdp` is not a session description the coordinator relays, or `undefined` when it is
 * one: parsed enough to refuse plain text, junk and truncated descriptions (RFC 8866: `v=0`
 * first, `o=`, `s=` and `t=` in the session part, at least one media section). `toSfu`: a
 * description to the SFU, with its larger limits.
 */
export function sdpProblem(sdp: string, toSfu = false): string | undefined {
  const maxChars = toSfu ? SIGNAL_LIMITS.maxSfuSdpChars : SIGNAL_LIMITS.maxSdpChars;
  const maxSections = toSfu ? SIGNAL_LIMITS.maxSfuMediaSections : SIGNAL_LIMITS.maxMediaSections;
  if (sdp.length > maxChars) return `must be at most ${maxChars} characters`;
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'v=0') return 'must be a session description, starting with "v=0"';
  const session = new Set<string>();
  let media = 0;
  for (const line of lines) {
    if (!isSdpLine(line)) return 'must be a session description: lines of the form "<letter>=<value>"';
    if (line.startsWith('m=')) {
      if (!MEDIA_LINE.test(line)) return 'has a malformed media line ("m=")';
      if (++media > maxSections) return `must have at most ${maxSections} media sections`;
    } else if (media === 0) {
      session.add(line[0]);
    }
  }
  for (const key of ['o', 's', 't']) if (!session.has(key)) return `must have the session's "${key}=" line`;
  if (media === 0) return 'must have a media section ("m=")';
  return undefined;
}
