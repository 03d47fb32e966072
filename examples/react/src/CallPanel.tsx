/** The active call: recording, camera and microphone, reactions, leave or end; the video tiles and the participants. */
import { useStore } from '@nanostores/react';
import { TrackType, type Call } from 'stream-video-client';
import { client, run, splitCid, store } from './client';
import { displayName } from './ConnectPanel';
import { BlockedUsers, ModerationNotice, ReactionsBar } from './Moderation';
import { useCapabilities } from './use-capabilities';
import { VideoTiles } from './VideoTiles';

/** Starts or stops publishing the camera or the microphone (a new device stream each start). */
async function toggle(call: Call, type: TrackType.VIDEO | TrackType.AUDIO, on: boolean): Promise<void> {
  if (on) return call.stopPublish(type);
  const video = type === TrackType.VIDEO;
  const stream = await navigator.mediaDevices.getUserMedia(video ? { video: { width: 640, height: 480 } } : { audio: true });
  return video ? call.publishVideoStream(stream) : call.publishAudioStream(stream);
}

/** The active call's section, and its video and participants sections while in a call. */
export function CallPanel() {
  const call = useStore(store.activeCall$);
  const recording = useStore(store.callRecordingInProgress$);
  const me = useStore(store.localParticipant$);
  const capabilities = useCapabilities(call);
  const camera = me?.publishedTracks.includes(TrackType.VIDEO) ?? false;
  const mic = me?.publishedTracks.includes(TrackType.AUDIO) ?? false;
  const record = () => {
    if (!call) return;
    const { type, id } = splitCid(call.cid);
    void run(recording ? 'stop recording' : 'start recording', () => (recording ? client.stopRecording(id, type) : client.startRecording(id, type)));
  };
  return (
    <>
      <section>
        <h2>
          Active call
          {recording && (
            <span className="badge rec" data-testid="recording-badge">
              ● Recording
            </span>
          )}
        </h2>
        <p className="muted" data-testid="active-call">
          {call ? `In call ${call.cid}` : 'Not in a call'}
        </p>
        {call && (
          <div className="row">
            <button
              onClick={record}
              disabled={!capabilities.includes(recording ? 'stop-record-call' : 'start-record-call')}
              data-recording={recording}
              data-testid="record"
            >
              {recording ? 'Stop recording' : 'Start recording'}
            </button>
            <button
              className="secondary"
              onClick={() => run('camera', () => toggle(call, TrackType.VIDEO, camera))}
              disabled={!camera && !capabilities.includes('send-video')}
              data-on={camera}
              data-testid="camera-toggle"
            >
              {camera ? 'Stop camera' : 'Start camera'}
            </button>
            <button
              className="secondary"
              onClick={() => run('microphone', () => toggle(call, TrackType.AUDIO, mic))}
              disabled={!mic && !capabilities.includes('send-audio')}
              data-on={mic}
              data-testid="mic-toggle"
            >
              {mic ? 'Mute microphone' : 'Start microphone'}
            </button>
            <button className="danger" onClick={() => run('leave', () => call.leave())} data-testid="leave">
              Leave
            </button>
            {capabilities.includes('end-call') && (
              <button className="danger" onClick={() => void run('end call', () => call.endCall())} data-testid="end-call">
                End call for everyone
              </button>
            )}
          </div>
        )}
        {call && capabilities.includes('create-reaction') && <ReactionsBar call={call} />}
        <ModerationNotice />
      </section>
      {call && (
        <section>
          <h2>Video</h2>
          <VideoTiles />
        </section>
      )}
      {call && (
        <section>
          <h2>Participants</h2>
          <Participants />
          <BlockedUsers call={call} capabilities={capabilities} />
        </section>
      )}
    </>
  );
}

/** Everyone in the call, in join order. */
function Participants() {
  const participants = useStore(store.participants$);
  return (
    <ul data-testid="participants">
      {participants.toArray().map((p) => (
        <li key={p.sessionId} data-testid="participant" data-user-id={p.userId} data-session-id={p.sessionId} data-local={p.isLocalParticipant}>
          <span className="grow" data-testid="participant-name">
            {displayName(p.user.id ? p.user : { id: p.userId })}
          </span>
          {p.isLocalParticipant && (
            <span className="tag" data-testid="local-marker">
              you
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
