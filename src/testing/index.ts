export { LocalCoordinator, type LocalCoordinatorOptions } from './local-coordinator';
export { TokenAuthority, type TokenClaims } from './auth';
export { RpcFaults } from './twirp/faults';
export { TwirpError, TWIRP_STATUS, type TwirpCode } from './twirp/twirp-error';
export type { HubFaults, HubFaultCounts } from './hub/hub-faults';
export type { HubOptions } from './hub/hub-options';
export type { ReplayBufferOptions } from './hub/event-log';
export { CALL_TYPES, CAPABILITIES, GRANTABLE_PERMISSIONS, type CallTypeDefinition } from './state/call-types';
export { inspectClient } from './inspect-client';
