import type { Logger } from '../config/logger';
import { TrackType } from '../media/track-type';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { DominantSpeakerElector, SPEECH_DETECTION, SpeechDetector } from './speech';

/** What {@link AudioLevels} reads. */
export interface AudioLevelsOptions {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  /** The call's peer connections now. */
  peerConnections(): Iterable<RTCPeerConnection>;
  /** The microphone listened to while muted, if any. */
  mutedTrack(): MediaStreamTrack | undefined;
  /** Told whether the user speaks while muted. */
  speakingWhileMuted(talking: boolean): void;
  readonly logger: Logger;
}

/** A Web Audio analyser on one local track. */
interface Meter {
  read(): number;
  close(): void;
}

/**
 * Every participant's `audioLevel` and `isSpeaking`, and, in mesh calls, the dominant speaker
 * (thresholds: {@link SPEECH_DETECTION}). Remote levels come from the packets received
 * (`getSynchronizationSources()`); Chromium updates those only for audio that plays, so each
 * remote microphone also plays here, muted, in an element of its own (muted playback is never
 * blocked). The local level comes from a Web Audio analyser. The dominant speaker is left to
 * the server from its first `call.dominant_speaker_changed` in the call on (an SFU hears
 * everyone).
 */
export class AudioLevels {
  private readonly detectors = new Map<string, SpeechDetector>();
  private readonly muted = new SpeechDetector();
  private readonly elector = new DominantSpeakerElector();
  private readonly sinks = new Map<MediaStreamTrack, HTMLAudioElement>();
  private readonly meters = new Map<MediaStreamTrack, Meter>();
  private context: AudioContext | undefined;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stopServerWatch: () => void;
  private serverDecides = false;

  constructor(private readonly o: AudioLevelsOptions) {
    this.timer = setInterval(() => this.tick(), SPEECH_DETECTION.intervalMs);
    this.stopServerWatch = o.store.dominantSpeakerSessionId$.listen((id) => {
      if (id !== undefined && id !== this.elector.current) this.serverDecides = true;
    });
  }

  /** Resumes the analysers' audio context (suspended by an autoplay policy); from a user gesture. */
  resume(): Promise<void> {
    return this.context?.state === 'suspended' ? this.context.resume() : Promise.resolve();
  }

  /** Stops measuring: timer, elements and analysers. */
  dispose(): void {
    clearInterval(this.timer);
    this.stopServerWatch();
    for (const sink of this.sinks.values()) sink.srcObject = null;
    this.sinks.clear();
    for (const meter of this.meters.values()) meter.close();
    this.meters.clear();
    void this.context?.close().catch(() => {});
  }

  /** One round: a sample per participant, the store, the dominant speaker. */
  private tick(): void {
    const { store } = this.o;
    const now = Date.now();
    const receivers = new Map<MediaStreamTrack, RTCRtpReceiver>();
    for (const pc of this.o.peerConnections()) for (const r of pc.getReceivers()) if (r.track?.kind === 'audio') receivers.set(r.track, r);
    const used = new Set<MediaStreamTrack>();
    const seen = new Set<string>();
    const samples: [string, number][] = [];
    for (const p of store.table.iterate('all')) {
      const track = p.publishedTracks.includes(TrackType.AUDIO) ? p.audioStream?.getAudioTracks()[0] : undefined;
      let sample = 0;
      if (track?.readyState === 'live') {
        used.add(track);
        sample = p.isLocalParticipant ? this.meter(track) : this.received(track, receivers.get(track), now);
      }
      samples.push([p.sessionId, sample]);
      seen.add(p.sessionId);
    }
    const mutedTrack = this.o.mutedTrack();
    if (mutedTrack) {
      used.add(mutedTrack);
      this.muted.update(this.meter(mutedTrack), now);
    } else this.muted.update(0, now);
    this.o.speakingWhileMuted(this.muted.speaking);
    this.forget(used, seen);
    store.updateParticipants((t) => {
      let changed = false;
      for (const [sessionId, sample] of samples) {
        let d = this.detectors.get(sessionId);
        if (!d) this.detectors.set(sessionId, (d = new SpeechDetector()));
        d.update(sample, now);
        changed = t.setInsights(sessionId, { audioLevel: d.level, isSpeaking: d.speaking }) || changed;
      }
      return changed;
    });
    if (!this.serverDecides && this.elector.update(this.detectors, now)) store.dominantSpeakerSessionId$.set(this.elector.current);
  }

  /** The level of the last packet of a remote track; 0 when none came for a second. */
  private received(track: MediaStreamTrack, receiver: RTCRtpReceiver | undefined, now: number): number {
    if (!this.sinks.has(track) && typeof Audio === 'function') {
      const sink = new Audio();
      sink.muted = true;
      sink.srcObject = new MediaStream([track]);
      sink.play().catch((err: unknown) => this.o.logger('debug', 'a level meter element did not play', { error: String(err) }));
      this.sinks.set(track, sink);
    }
    const source = receiver?.getSynchronizationSources?.()[0];
    return source && now - source.timestamp < 1000 ? (source.audioLevel ?? 0) : 0;
  }

  /** The RMS level of a local track, by an analyser made on first use. */
  private meter(track: MediaStreamTrack): number {
    let meter = this.meters.get(track);
    if (!meter) {
      if (typeof AudioContext !== 'function') return 0;
      // Made once a microphone is open: browsers let a capturing page run audio. It plays
      // nothing: no output device is opened (`sinkId` none, where browsers know it).
      const context = (this.context ??= new AudioContext({ sinkId: { type: 'none' } } as AudioContextOptions));
      if (context.state === 'suspended') void context.resume().catch(() => {});
      const source = context.createMediaStreamSource(new MediaStream([track]));
      const analyser = context.createAnalyser();
      analyser.fftSize = 8192;
      source.connect(analyser);
      const buffer = new Float32Array(analyser.fftSize);
      meter = {
        read: () => {
          analyser.getFloatTimeDomainData(buffer);
          let sum = 0;
          for (const v of buffer) sum += v * v;
          return Math.sqrt(sum / buffer.length);
        },
        close: () => source.disconnect(),
      };
      this.meters.set(track, meter);
    }
    return meter.read();
  }

  /** Drops the elements, analysers and detectors of tracks and participants that are gone. */
  private forget(used: Set<MediaStreamTrack>, seen: Set<string>): void {
    for (const [track, sink] of this.sinks) {
      if (used.has(track)) continue;
      sink.srcObject = null;
      this.sinks.delete(track);
    }
    for (const [track, meter] of this.meters) {
      if (used.has(track)) continue;
      meter.close();
      this.meters.delete(track);
    }
    for (const sessionId of this.detectors.keys()) if (!seen.has(sessionId)) this.detectors.delete(sessionId);
  }
}
