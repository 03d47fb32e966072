/**
 * The WebSocket close codes of the coordinator's real-time channel. The client decides from
 * the code whether to reconnect.
 *
 * | code | name | reconnect? |
 * | :--- | :--- | :--- |
 * | 1000 | `NORMAL` | no: closed on purpose |
 * | 1001 | `GOING_AWAY` | yes: the server is shutting down or restarting |
 * | 4000 | `INVALID_FRAME` | yes: a frame could not be decoded |
 * | 4001 | `AUTH_TIMEOUT` | yes: no auth frame within the time limit |
 * | 4002 | `UNAUTHENTICATED` | **no**: bad API key or token, or a user that does not match the token |
 * | 4003 | `TOKEN_EXPIRED` | yes, after fetching a new token from the provider |
 * | 4004 | `HEALTH_CHECK_TIMEOUT` | yes: the other side went silent |
 * | 4005 | `DROPPED` | yes: dropped by the server (fault injection, load shedding) |
 */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  INVALID_FRAME: 4000,
  AUTH_TIMEOUT: 4001,
  UNAUTHENTICATED: 4002,
  TOKEN_EXPIRED: 4003,
  HEALTH_CHECK_TIMEOUT: 4004,
  DROPPED: 4005,
} as const;

/** The error codes of a `ConnectionError` frame, each sent before the close code it names. */
export const CONNECTION_ERROR_CLOSE: Readonly<Record<string, number>> = {
  invalid_frame: CLOSE_CODES.INVALID_FRAME,
  auth_timeout: CLOSE_CODES.AUTH_TIMEOUT,
  unauthenticated: CLOSE_CODES.UNAUTHENTICATED,
  token_expired: CLOSE_CODES.TOKEN_EXPIRED,
};
