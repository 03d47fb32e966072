/** A tile per participant: the camera, the remote microphone, name, mute state, a speaking ring, a quality dot, reaction and moderation. */
import { useStore } from '@nanostores/react';
import { useEffect, useRef, type CSSProperties } from 'react';
import { TrackType, type Call, type StreamParticipant } from 'stream-video-client';
import { store } from './client';
import { displayName } from './ConnectPanel';
import { TileModeration, TileReaction } from './Moderation';
import { useCapabilities } from './use-capabilities';

/** The tiles of everyone in the active call. */
export function VideoTiles() {
  const participants = useStore(store.participants$);
  const call = useStore(store.activeCall$);
  const capabilities = useCapabilities(call);
  if (!call) return null;
  return (
    <div className="tiles" data-testid="tiles">
      {participants.toArray().map((p) => (
        <VideoTile key={p.sessionId} participant={p} call={call} capabilities={capabilities} />
      ))}
    </div>
  );
}

function VideoTile({ participant: p, call, capabilities }: { participant: StreamParticipant; call: Call; capabilities: readonly string[] }) {
  const audioOn = p.publishedTracks.includes(TrackType.AUDIO);
  const videoOn = p.publishedTracks.includes(TrackType.VIDEO);
  return (
    <div
      className={`tile${p.isSpeaking ? ' speaking' : ''}`}
      style={{ '--level': p.audioLevel } as CSSProperties}
      data-testid="tile"
      data-user-id={p.userId}
      data-session-id={p.sessionId}
      data-local={p.isLocalParticipant}
      data-speaking={p.isSpeaking}
    >
      <Media kind="video" stream={p.videoStream} testId="tile-video" />
      {/* The SDK never plays one's own microphone. */}
      <BoundAudio call={call} sessionId={p.sessionId} />
      <TileReaction participant={p} />
      <div className="label">
        <span
          className={`dot ${p.connectionQuality}`}
          title={`connection: ${p.connectionQuality}`}
          data-testid="quality-dot"
          data-quality={p.connectionQuality}
        />
        <span className="grow" data-testid="tile-name">
          {displayName(p.user.id ? p.user : { id: p.userId })}
        </span>
        <span className={`tag${audioOn ? '' : ' off'}`} data-testid={audioOn ? 'audio-on' : 'audio-muted'}>
          {audioOn ? 'mic' : 'mic off'}
        </span>
        <span className={`tag${videoOn ? '' : ' off'}`} data-testid={videoOn ? 'video-on' : 'video-muted'}>
          {videoOn ? 'cam' : 'cam off'}
        </span>
        <TileModeration call={call} participant={p} capabilities={capabilities} />
      </div>
    </div>
  );
}

/** An `<audio>` element the SDK plays a participant's microphone in (`bindAudioElement`), through the selected speaker. */
function BoundAudio({ call, sessionId }: { call: Call; sessionId: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => (ref.current ? call.bindAudioElement(ref.current, sessionId) : undefined), [call, sessionId]);
  return <audio ref={ref} hidden data-testid="tile-audio" />;
}

/**
 * A `<video>` element playing a stream. React has no `srcObject` prop: an effect
 * sets it when the stream changes, and the element is kept across renders so playback does
 * not restart.
 */
function Media({ stream, testId }: { kind: 'video'; stream: MediaStream | undefined; testId: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    element.srcObject = stream ?? null;
    return () => {
      element.srcObject = null;
    };
  }, [stream]);
  // Video is muted: sound plays through the tile's audio element.
  return <video ref={ref} autoPlay playsInline muted hidden={!stream} data-testid={testId} />;
}
