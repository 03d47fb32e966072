import type { ReadableAtom } from 'nanostores';
import type { Call as CallData, Credentials, Member } from '../../gen/stream/video/coordinator/v1/models';
import type { ParticipantList } from '../store/participant-table';
import type { ActiveCallState } from '../store/state-store';

/** What a {@link Call} needs from the session that joined it. */
export interface CallHost {
  /** Leaves the call with this session. */
  leaveCall(call: Call): Promise<void>;
  /** The participants of the call while it is the joined one (an empty list after). */
  participantsOf(call: Call): ParticipantList;
  /** Whether the call is the session's joined call. */
  isActive(call: Call): boolean;
}

/**
 * A call the connected user has joined, returned by `joinCall` and `acceptCall`. Its data,
 * members and capabilities follow the call's events while it is joined.
 *
 * ```ts
 * const call = await client.joinCall('standup', 'default');
 * console.log(call.data.cid, call.credentials.serverUrl, call.participants.size);
 * await call.leave();
 * ```
 */
export class Call {
  private left = false;
  private leaving: Promise<void> | undefined;

  /**
   * @internal Made by the client when the join succeeds; get a `Call` from `joinCall` or
   * `acceptCall` instead.
   * @param state the call's state, updated by its events while joined.
   * @param credentials the edge server and its token.
   * @param sessionId this session's id in the call.
   * @param host the session that joined the call.
   */
  constructor(
    private readonly state: ReadableAtom<ActiveCallState>,
    /** The edge server chosen by latency, and the token to connect to it. */
    readonly credentials: Credentials,
    /** The id of this session in the call. */
    readonly sessionId: string,
    private readonly host: CallHost,
  ) {}

  /** The call's data: type, id, cid, creator, settings, recording. */
  get data(): CallData {
    return this.state.get().data;
  }

  /** The call's members. */
  get members(): readonly Member[] {
    return this.state.get().members;
  }

  /** What the connected user may do in this call, e.g. `send-audio`. */
  get ownCapabilities(): readonly string[] {
    return this.state.get().ownCapabilities;
  }

  /** `type:id`. */
  get cid(): string {
    return this.data.cid;
  }

  /** The participants, live: the same list as the store's `participants$` while joined. */
  get participants(): ParticipantList {
    return this.host.participantsOf(this);
  }

  /** Whether the call was left: `leave()`, the call ended, or the user disconnected. */
  get hasLeft(): boolean {
    return this.left || !this.host.isActive(this);
  }

  /** Leaves the call: the other participants see `call.participant_left`. Calling it again does nothing. */
  leave(): Promise<void> {
    if (this.hasLeft) return Promise.resolve();
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

  /** @internal The leave in flight, if any. */
  get pendingLeave(): Promise<void> | undefined {
    return this.left ? undefined : this.leaving;
  }
}
