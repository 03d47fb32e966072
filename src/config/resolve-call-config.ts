import { StreamVideoError } from '../errors/stream-video-error';
import { checkKnownKeys } from '../validation/known-keys';
import { CALL_CONFIG, type CallConfig, type ResolvedCallConfig, type RingSound } from './call-config';

const FLAGS = ['ringByDefault', 'autoRejectWhenInCall', 'joinCallInstantly', 'playSounds'] as const;
const TIMEOUTS = ['autoCancelTimeoutInMs', 'autoRejectTimeoutInMs'] as const;
const SOUNDS = ['ringtone', 'ringbackTone'] as const;

/**
 * `config` with every field left out taken from `CALL_CONFIG.meeting`.
 * @throws StreamVideoError `invalid_argument` for an unknown key or a value of the wrong type, naming it.
 */
export function resolveCallConfig(config: CallConfig): ResolvedCallConfig {
  const bad = (key: string, why: string) => StreamVideoError.invalidArgument('constructor', `callConfig.${key}`, why);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw StreamVideoError.invalidArgument('constructor', 'callConfig', 'must be an object');
  checkKnownKeys('constructor', 'callConfig', config, [...FLAGS, ...TIMEOUTS, ...SOUNDS]);
  for (const key of FLAGS) if (config[key] !== undefined && typeof config[key] !== 'boolean') throw bad(key, 'must be a boolean');
  for (const key of TIMEOUTS) {
    const v = config[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1)) throw bad(key, 'must be a whole number of ms below 2^31');
  }
  for (const key of SOUNDS) {
    const sound = config[key] as Partial<RingSound> | undefined;
    if (sound !== undefined && (typeof sound?.play !== 'function' || typeof sound?.stop !== 'function')) throw bad(key, 'must have play and stop functions');
  }
  const defined = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  return { ...CALL_CONFIG.meeting, ...defined };
}

/**
 * `config` as given, once checked: what the client keeps (fields left out are filled at each
 * `connectUser`, so that a later change of `client.callConfig` counts).
 * @throws StreamVideoError `invalid_argument`, as {@link resolveCallConfig}.
 */
export function checkCallConfig(config: CallConfig): CallConfig {
  resolveCallConfig(config);
  return config;
}
