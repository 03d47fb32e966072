import type { Call as CallData, CallState, Credentials, Member } from '../../gen/stream/video/coordinator/v1/models';
import type { ParticipantList } from '../store/participant-table';

/** What a {@link Call} needs from the client that made it. */
export interface CallHost {
  /** Leaves the call with this session. */
  leaveCall(call: Call): Promise<void>;
  /** The participants of the active call. */
  participantsOf(call: Call): ParticipantList;
}

/**
 * A call the connected user has joined, returned by `joinCall` and `acceptCall`.
 *
 * ```ts
 * const call = await client.joinCall('standup', 'default');
 * console.log(call.data.cid, call.credentials.serverUrl, call.participants.size);
 * await call.leave();
 * ```
 */
export class Call {
  /** The call's data: type, id, cid, creator, settings, recording. */
  data: CallData;
  /** The call's members. */
  members: readonly Member[];
  /** What the connected user may do in this call, e.g. `send-audio`. */
  ownCapabilities: readonly string[];
  private left = false;
  private leaving: Promise<void> | undefined;

  /**
   * @internal Made by the client when the join succeeds; get a `Call` from `joinCall` or
   * `acceptCall` instead.
   * @param state the call as the join answered it; `state.call` must be set.
   * @param credentials the edge server and its token.
   * @param sessionId this session's id in the call.
   * @param host the client that made the call.
   */
  constructor(
    state: CallState,
    /** The edge server chosen by latency, and the token to connect to it. */
    readonly credentials: Credentials,
    /** The id of this session in the call. */
    readonly sessionId: string,
    private readonly host: CallHost,
  ) {
    this.data = state.call!;
    this.members = state.members;
    this.ownCapabilities = state.ownCapabilities;
  }

  /** `type:id`. */
  get cid(): string {
    return this.data.cid;
  }

  /** The participants, live: the same list as the store's `participants$`. */
  get participants(): ParticipantList {
    return this.host.participantsOf(this);
  }

  /** Whether `leave()` was called or the call ended. */
  get hasLeft(): boolean {
    return this.left;
  }

  /** Leaves the call: the other participants see `call.participant_left`. Calling it again does nothing. */
  leave(): Promise<void> {
    if (this.left) return Promise.resolve();
    this.leaving ??= this.host.leaveCall(this).then(
      () => {
        this.left = true;
      },
      (err: unknown) => {
        this.leaving = undefined;
        throw err;
      },
    );
    return this.leaving;
  }

  /** @internal Marks the call as left without a request (the call ended, the user disconnected). */
  markLeft(): void {
    this.left = true;
  }

  /** @internal Updates the call's data from the server. */
  update(state: Partial<CallState>): void {
    if (state.call) this.data = state.call;
    if (state.members) this.members = state.members;
    if (state.ownCapabilities) this.ownCapabilities = state.ownCapabilities;
  }
}
