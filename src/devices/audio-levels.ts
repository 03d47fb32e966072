import type { Logger } from '../config/logger';
import { TrackType } from '../media/track-type';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { elect, hear, silence, SPEECH_DETECTION, type Election, type Speech } from './speech';

/** What {@link startAudioLevels} reads. */
export interface AudioLevelsOptions {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  /** The call's peer connections now. */
  peerConnections(): Iterable<RTCPeerConnection>;
  /** The microphone listened to while muted, if any. */
  mutedTrack(): MediaStreamTrack | undefined;
  /** Told whether the user speaks while muted. */
  speakingWhileMuted(talking: boolean): void;
  /** Whether the server elects the dominant speaker from the start (SFU calls); otherwise from its first `call.dominant_speaker_changed` on. */
  readonly serverElects?: boolean;
  readonly logger: Logger;
}

/** The running measurement: resume its analysers from a gesture, or stop it. */
export interface AudioLevels {
  /** Resumes the analysers' audio context (suspended by an autoplay policy); from a user gesture. */
  resume(): Promise<void>;
  /** Stops measuring: timer and analysers. */
  dispose(): void;
}

/**
 * Measures every participant's `audioLevel` and `isSpeaking`, and, in mesh calls, elects the
 * dominant speaker (thresholds: {@link SPEECH_DETECTION}), every `SPEECH_DETECTION.intervalMs`;
 * in SFU calls the coordinator does, from the SFU's talking events.
 * Remote levels come from the packets received (`getSynchronizationSources()`); Chromium
 * updates those only for audio that plays: the elements of `bindAudioElement` (muted while
 * autoplay is blocked), or the app's own. The local level comes from a Web Audio analyser. The dominant speaker is left to the server from its first
 * `call.dominant_speaker_changed` in the call on (an SFU hears everyone).
 */
export function startAudioLevels(o: AudioLevelsOptions): AudioLevels {
  const { store } = o;
  const speech = new Map<string, Speech>();
  const muted = silence();
  const election: Election = { since: 0 };
  const meters = new Map<MediaStreamTrack, { read(): number; source: AudioNode }>();
  let context: AudioContext | undefined;
  let serverDecides = o.serverElects === true;

  /** The RMS level of a local track, by an analyser made on first use. */
  const meter = (track: MediaStreamTrack): number => {
    let m = meters.get(track);
    if (!m) {
      if (typeof AudioContext !== 'function') return 0;
      // Made once a microphone is open: browsers let a capturing page run audio. It plays
      // nothing: no output device is opened (`sinkId` none, where browsers know it), and no one
      // hears its latency, so it renders in the large buffers of `playback` (fewer wake-ups:
      // in Chromium its audio threads used about half the CPU of the default `interactive`).
      context ??= new AudioContext({ sinkId: { type: 'none' }, latencyHint: 'playback' } as AudioContextOptions);
      if (context.state === 'suspended') context.resume().catch(() => {});
      const analyser = context.createAnalyser();
      analyser.fftSize = 8192;
      const source = context.createMediaStreamSource(new MediaStream([track]));
      source.connect(analyser);
      const buffer = new Float32Array(analyser.fftSize);
      const read = () => {
        analyser.getFloatTimeDomainData(buffer);
        let sum = 0;
        for (const v of buffer) sum += v * v;
        return Math.sqrt(sum / buffer.length);
      };
      meters.set(track, (m = { read, source }));
    }
    return m.read();
  };

  /** The level of the last packet of a remote track; 0 when none came for a second. */
  const received = (receiver: RTCRtpReceiver | undefined, now: number): number => {
    const source = receiver?.getSynchronizationSources?.()[0];
    return source && now - source.timestamp < 1000 ? (source.audioLevel ?? 0) : 0;
  };

  const tick = (): void => {
    const now = Date.now();
    const receivers = new Map<MediaStreamTrack, RTCRtpReceiver>();
    for (const pc of o.peerConnections()) for (const r of pc.getReceivers()) receivers.set(r.track, r);
    const used = new Set<MediaStreamTrack>();
    const samples = new Map<string, number>();
    for (const p of store.table.iterate('all')) {
      const track = p.publishedTracks.includes(TrackType.AUDIO) ? p.audioStream?.getAudioTracks()[0] : undefined;
      const live = track?.readyState === 'live';
      if (live) used.add(track);
      samples.set(p.sessionId, !live ? 0 : p.isLocalParticipant ? meter(track) : received(receivers.get(track), now));
    }
    const mutedTrack = o.mutedTrack();
    if (mutedTrack) used.add(mutedTrack);
    hear(muted, mutedTrack ? meter(mutedTrack) : 0, now);
    o.speakingWhileMuted(muted.speaking);
    // Forget the analysers and speech of tracks and participants that are gone.
    for (const [track, m] of meters) {
      if (used.has(track)) continue;
      meters.delete(track);
      m.source.disconnect();
    }
    for (const sessionId of speech.keys()) if (!samples.has(sessionId)) speech.delete(sessionId);
    store.updateParticipants((t) => {
      let changed = false;
      for (const [sessionId, sample] of samples) {
        let s = speech.get(sessionId);
        if (!s) speech.set(sessionId, (s = silence()));
        hear(s, sample, now);
        changed = t.setInsights(sessionId, { audioLevel: s.level, isSpeaking: s.speaking }) || changed;
      }
      return changed;
    });
    if (!serverDecides && elect(election, speech, now)) store.dominantSpeakerSessionId$.set(election.current);
  };

  const timer = setInterval(tick, SPEECH_DETECTION.intervalMs);
  const stopWatch = store.dominantSpeakerSessionId$.listen((id) => {
    if (id !== undefined && id !== election.current) serverDecides = true;
  });
  return {
    resume: () => (context?.state === 'suspended' ? context.resume() : Promise.resolve()),
    dispose() {
      clearInterval(timer);
      stopWatch();
      for (const m of meters.values()) m.source.disconnect();
      meters.clear();
      void context?.close().catch(() => {});
    },
  };
}
