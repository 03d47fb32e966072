/** The active call: recording, reactions, leave or end, camera, microphone and speaker; the video tiles and the participants. */
import { useStore } from '@nanostores/react';
import { client, run, splitCid, store } from './client';
import { displayName } from './ConnectPanel';
import { BlockedUsers, ModerationNotice, ReactionsBar } from './Moderation';
import { useCapabilities } from './use-capabilities';
import { VideoTiles } from './VideoTiles';
import { DeviceControls } from './DeviceControls';

/** The active call's section, and its video and participants sections while in a call. */
export function CallPanel() {
  const call = useStore(store.activeCall$);
  const recording = useStore(store.callRecordingInProgress$);
  const capabilities = useCapabilities(call);
  const record = () => {
    if (!call) return;
    const { type, id } = splitCid(call.cid);
    run(recording ? 'stop recording' : 'start recording', () => (recording ? client.stopRecording(id, type) : client.startRecording(id, type)));
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
        {call && <DeviceControls call={call} capabilities={capabilities} />}
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
