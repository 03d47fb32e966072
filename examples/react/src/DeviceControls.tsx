/**
 * The joined call's devices: camera and microphone toggles, a picker per device kind, the
 * "speaking while muted" hint, and a button when the browser blocked the call's sound. Every
 * value comes from the call's device managers' atoms through `useStore`.
 */
import { useStore } from '@nanostores/react';
import type { ReadableAtom } from 'nanostores';
import type { Call, DeviceInfo } from 'stream-video-client';
import { run, store } from './client';

/** Toggles and pickers of `call`'s devices; `capabilities` gate starting them. */
export function DeviceControls({ call, capabilities }: { call: Call; capabilities: readonly string[] }) {
  const camera = useStore(call.camera.state.status$) === 'enabled';
  const mic = useStore(call.microphone.state.status$) === 'enabled';
  const talkingWhileMuted = useStore(call.microphone.speakingWhileMuted$);
  const blocked = useStore(store.autoplayBlocked$);
  return (
    <>
      <div className="row">
        <button
          className="secondary"
          onClick={() => void run('camera', () => call.camera.toggle())}
          disabled={!camera && !capabilities.includes('send-video')}
          data-on={camera}
          data-testid="camera-toggle"
        >
          {camera ? 'Stop camera' : 'Start camera'}
        </button>
        <button
          className="secondary"
          onClick={() => void run('microphone', () => call.microphone.toggle())}
          disabled={!mic && !capabilities.includes('send-audio')}
          data-on={mic}
          data-testid="mic-toggle"
        >
          {mic ? 'Mute microphone' : 'Start microphone'}
        </button>
      </div>
      <div className="row">
        <Picker
          title="Camera"
          testId="camera-select"
          devices={call.camera.listDevices()}
          selected={call.camera.state.selectedDevice$}
          select={(id) => call.camera.select(id)}
        />
        <Picker
          title="Microphone"
          testId="mic-select"
          devices={call.microphone.listDevices()}
          selected={call.microphone.state.selectedDevice$}
          select={(id) => call.microphone.select(id)}
        />
        <Picker
          title="Speaker"
          testId="speaker-select"
          devices={call.speaker.listDevices()}
          selected={call.speaker.selectedDevice$}
          select={(id) => call.speaker.select(id)}
        />
      </div>
      {talkingWhileMuted && (
        <p className="muted" data-testid="speaking-while-muted">
          You are speaking while muted.
        </p>
      )}
      {blocked && (
        <p className="request" data-testid="autoplay-blocked">
          <span>The browser blocked the call's sound.</span>
          <button onClick={() => void run('play sound', () => call.resumeAudio())} data-testid="resume-audio">
            Play sound
          </button>
        </p>
      )}
    </>
  );
}

/** A device picker: `Default`, then every device with an id (ids appear once access is granted). */
function Picker(props: {
  title: string;
  testId: string;
  devices: ReadableAtom<readonly DeviceInfo[]>;
  selected: ReadableAtom<string | undefined>;
  select: (deviceId: string | undefined) => Promise<void>;
}) {
  const devices = useStore(props.devices).filter((d) => d.deviceId && d.deviceId !== 'default');
  const selected = useStore(props.selected);
  const value = selected && devices.some((d) => d.deviceId === selected) ? selected : '';
  return (
    <select
      title={props.title}
      data-testid={props.testId}
      value={value}
      onChange={(e) => void run(`select a ${props.title.toLowerCase()}`, () => props.select(e.target.value || undefined))}
    >
      <option value="">Default {props.title.toLowerCase()}</option>
      {devices.map((d) => (
        <option key={d.deviceId} value={d.deviceId}>
          {d.label || d.deviceId}
        </option>
      ))}
    </select>
  );
}
