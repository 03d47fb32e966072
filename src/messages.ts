/**
 * The data the public API hands out, in its plain form (custom data as JSON, times as
 * `Date`s), named as the reference page names it; see `src/plain/plain-types.ts`. The SDK's
 * own `Call` class takes that name, so the call's data is `CallData`. The typed RPC layer
 * (`client.coordinatorClient`) keeps the wire's messages, with `Struct` and `Timestamp`.
 */
export type {
  CallData,
  CallSettings,
  CallState,
  Credentials,
  GetOrCreateCallResponse,
  IceServer,
  MediaSettings,
  Member,
  Participant,
  QueryCallsResponse,
  Reaction,
  RecordingSettings,
  RequestPermissionResponse,
  RingSettings,
  RoleCapabilities,
  UpdateUserPermissionsResponse,
  User,
} from './plain/plain-types';
export type { JsonObject, JsonValue, Plain } from './plain/plain-data';
export { toPlain } from './plain/plain-data';
export type { Struct } from '../gen/google/protobuf/struct';
export type { Timestamp } from '../gen/google/protobuf/timestamp';
