export { StreamVideoClient } from './StreamVideoClient';
export type { CallRequestData, CallMemberRequest, CallSettingsOverride } from './call/call-request';
export type { StreamClientOptions, StreamClientTimeouts } from './options/client-options';
export { CALL_CONFIG, type CallConfig, type ResolvedCallConfig, type RingSound } from './config/call-config';
export { Call } from './call/call';
export type { ReactionRequest } from './call/call-actions';
export { MAX_CUSTOM_EVENT_BYTES, MAX_REACTION_TEXT, REACTION_TTL_MS, jsonByteLength } from './config/call-limits';
export type { StreamVideoReadOnlyStateStore } from './call/call-store';
export { CallDropScheduler, type DropAction } from './call/call-drop-scheduler';
export {
  StreamCoordinatorClient,
  type CoordinatorRpcs,
  type Rpc,
  type RpcName,
  type RpcInput,
  type RpcOutput,
  type RpcCallOptions,
} from './coordinator/coordinator-client';
export { DEFAULT_RETRY_POLICY, IDEMPOTENT_RPCS, type RetryPolicy } from './coordinator/retry-policy';
export { codeOfIntermediaryStatus, toStreamVideoError } from './errors/errors';
export type { TokenOrProvider, TokenProvider, TokenSource } from './auth/token-manager';
export { StreamVideoError, type StreamVideoErrorCode, type StreamVideoErrorInit } from './errors/stream-video-error';
export { consoleLogger, silentLogger, withLevel, LOG_LEVELS, type Logger, type LogLevel, type LogLevelThreshold } from './config/logger';
export type {
  StreamEventMap,
  StreamEventName,
  StreamEvent,
  CoordinatorEvent,
  CoordinatorEventMap,
  ConnectionEventMap,
  CoordinatorEventBase,
} from './events/event-map';
export type { EventHandler } from './events/event-router';
export type { ReadOnlyStateStore, PendingCall, CallAcceptedEvent, PermissionRequestEvent, ActiveCallState } from './store/state-store';
export type {
  ParticipantList,
  StreamParticipant,
  ParticipantMedia,
  ParticipantReaction,
  MediaConnectionState,
  RemoteTrackState,
  ParticipantInsights,
  ConnectionQuality,
} from './store/participant-table';
export type { CameraManager, CameraDirection } from './devices/camera-manager';
export type { MicrophoneManager } from './devices/microphone-manager';
export type { SpeakerManager } from './devices/speaker-manager';
export type { ScreenShareManager, ScreenShareOptions } from './devices/screen-share-manager';
export type { InputDeviceManager, InputDeviceState, DeviceStatus } from './devices/input-device-manager';
export { memoryDevicePreferences, type DeviceInfo, type DeviceKind, type DevicePreferences, type MediaDevicesLike } from './devices/media-devices';
export type { DeviceEventMap, DeviceEvent } from './events/device-events';
export { SPEECH_DETECTION } from './devices/speech';
export { QUALITY_THRESHOLDS, type QualityLimits } from './devices/connection-quality';
export type { CallStatsReport, AggregatedStatsReport, PeerStatsReport } from './store/call-stats-report';
export { TrackType, TRACK_CAPABILITIES, type PublishableTrackType } from './media/track-type';
export type { RTCPeerConnectionConstructor } from './media/peer-connection';
export type { VideoDimension } from './media/call-media';
export type { ConnectionState } from './ws/connection-state';
export type { ConnectionStats } from './ws/connection';
export type { ClientProbe } from './session/test-seam';
export { ExponentialBackoff, type ReconnectPolicy, type ReconnectContext, type ExponentialBackoffOptions } from './ws/reconnect-policy';
export { CLOSE_CODES } from './ws/close-codes';
export type { WebSocketLike, WebSocketConstructor, NetworkEventSource } from './ws/websocket-like';
export { KNOWN_CALL_TYPES, type SortParamRequest, type UserInput } from './validation/arguments';
export * from './messages';
