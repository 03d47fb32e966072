/**
 * The WebSocket close codes of the coordinator's real-time channel. The client decides from
 * the code whether to reconnect.
 *
 * | code | name | reconnect? |
 * | :--- | :--- | :--- |
 * | 1000 | `NORMAL` | no when the client closes; yes when the server sends it |
 * | 1001 | `GOING_AWAY` | yes: the server is shutting down or restarting |
 * | 4000 | `INVALID_FRAME` | yes: a frame could not be decoded |
 * | 4001 | `AUTH_TIMEOUT` | yes: no auth frame within the time limit |
 * | 4002 | `UNAUTHENTICATED` | **no**: bad API key or token, or a user that does not match the token |
 * | 4003 | `TOKEN_EXPIRED` | yes, after fetching a new token from the provider |
 * | 4004 | `HEALTH_CHECK_TIMEOUT` | yes: the other side went silent |
 * | 4005 | `DROPPED` | yes: dropped by the server (fault injection, load shedding) |
 */
export const CLOSE_CODES = {
  /** 1000: closed on purpose. The client closes with it on `disconnectUser` or when it gives up; from the server, the client reconnects. */
  NORMAL: 1000,
  /** 1001: the server is shutting down or restarting, or failed internally; the client reconnects. */
  GOING_AWAY: 1001,
  /** 4000: a frame could not be decoded or came out of order; the client also drops its socket with it on a gap in event sequence numbers, then resumes. */
  INVALID_FRAME: 4000,
  /** 4001: no auth frame reached the server within its time limit; the client reconnects. */
  AUTH_TIMEOUT: 4001,
  /** 4002: bad API key or token, or a user that does not match the token; the client gives up with `unauthenticated`. */
  UNAUTHENTICATED: 4002,
  /** 4003: the token expired; the client asks the provider for a new one and reconnects, and gives up with `token_expired` after three expired tokens in a row or without a provider. */
  TOKEN_EXPIRED: 4003,
  /** 4004: the other side went silent too long (by default, for the client: three health-check intervals), or the client's handshake timed out; the client reconnects. */
  HEALTH_CHECK_TIMEOUT: 4004,
  /** 4005: the socket was dropped (load shedding, fault injection); the client also uses it internally when the browser goes offline. The client reconnects. */
  DROPPED: 4005,
} as const;
