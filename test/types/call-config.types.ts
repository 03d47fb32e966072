/**
 * Type-level checks of `CallConfig`, run by the type-check (`npm run typecheck`), not by uvu:
 * the vendor's partial configs compile; configs of the wrong shape do not.
 */
import { CALL_CONFIG, StreamVideoClient, type CallConfig } from '../../src/index-node';

export const vendorStyle: CallConfig[] = [
  { autoRejectTimeoutInMs: 30000 },
  { ...CALL_CONFIG.ring, playSounds: true },
  { ...CALL_CONFIG.meeting, joinCallInstantly: true },
  { autoRejectWhenInCall: true },
  {},
];

export const clients = vendorStyle.map((config) => new StreamVideoClient('key', {}, config));

// @ts-expect-error a misspelled option is not a CallConfig
export const misspelled: CallConfig = { playSound: true };
// @ts-expect-error a timeout is a number of ms
export const wrongType: CallConfig = { autoRejectTimeoutInMs: '30s' };
