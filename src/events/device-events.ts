/** The SDK's own events about devices, delivered through `client.on`. */
export interface DeviceEventMap {
  /**
   * The device in use changed without the app asking: the selected one was `unplugged` (the
   * SDK fell back to the default device, and keeps publishing if it was), or the device the
   * user prefers was `replugged` (the SDK took it back). The manager's `selectedDevice$` says
   * the same.
   */
  'device.changed': {
    /** Always `device.changed`. */
    type: 'device.changed';
    /** `videoinput` (camera), `audioinput` (microphone) or `audiooutput` (speaker). */
    kind: MediaDeviceKind;
    /** `unplugged`: the device was lost; `replugged`: the preferred device is back. */
    reason: 'unplugged' | 'replugged';
    /** The device in use now; `undefined` for the default one while not in use. */
    deviceId: string | undefined;
    /** The device in use before. */
    previousDeviceId: string | undefined;
  };
}

/** A device event. */
export type DeviceEvent = DeviceEventMap[keyof DeviceEventMap];
