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
 * | 4005 | `DROPPED` | yes: dropped by the server (fault injection, load shedding, too many sockets of one user) |
 * | 4006 | `FRAME_TOO_LARGE` | **no**: a client frame was over the server's size limit; the client gives up with `invalid_argument` |
 *
 * The server sends a `ConnectionError` frame (its `code` says why, e.g. `frame_too_large`)
 * before every close it starts, except when it shuts down (1001) or the socket went silent (4004).
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
  /** 4005: the socket was dropped (load shedding, fault injection, or a user over the server's cap of sockets per user: error `too_many_connections`); the client also uses it internally when the browser goes offline. The client reconnects. */
  DROPPED: 4005,
  /**
   * 4006: a client frame was larger than the server accepts (error `frame_too_large`); the
   * server refuses it from its header, without reading it. A client must not send the same
   * frame again: reconnecting only helps when what made the frame large (e.g. the profile in
   * the auth frame) changes. The client gives up with `invalid_argument`; `connectUser` refuses
   * a profile whose auth frame would not fit before it opens a socket.
   */
  FRAME_TOO_LARGE: 4006,
} as const;
