import { Timestamp } from '../../../gen/google/protobuf/timestamp';
import type { Struct } from '../../../gen/google/protobuf/struct';
import type { PartialMessage } from '@protobuf-ts/runtime';
import {
  User,
  type Call,
  type CallSettings,
  type CallState,
  type Member,
  type Participant,
  type Reaction,
  type TrackType,
} from '../../../gen/stream/video/coordinator/v1/models';
import { REACTION_TTL_MS } from '../../call/call-limits';
import { NON_MEMBER_ROLE, type CallTypeDefinition } from './call-types';

/** A member as the local coordinator keeps it. */
export interface MemberRecord {
  userId: string;
  role: string;
  createdAt: number;
  updatedAt: number;
}

/** A joined session as the local coordinator keeps it. */
export interface ParticipantRecord {
  userId: string;
  sessionId: string;
  role: string;
  joinedAt: number;
  /** What the session publishes, sorted, each type once (UpdatePublishedTracks). */
  publishedTracks?: TrackType[];
  /** The session's last reaction (SendReaction) and when it arrived, epoch ms. */
  reaction?: { reaction: Reaction; at: number };
}

/** How a member answered a ring. */
export type RingAnswer = 'accepted' | 'rejected';

/** One call in the local coordinator's memory. Times are epoch milliseconds. */
export class CallRecord {
  readonly cid: string;
  updatedAt: number;
  endedAt = Number.NaN;
  recording = false;
  ringing = false;
  cancelled = false;
  custom: Struct | undefined;
  readonly members = new Map<string, MemberRecord>();
  readonly participants = new Map<string, ParticipantRecord>();
  readonly answers = new Map<string, RingAnswer>();
  /** The users this call rang: only they may accept or reject it. */
  readonly rung = new Set<string>();
  /** Per-user permission changes on top of the role's capabilities. */
  readonly granted = new Map<string, Set<string>>();
  readonly revoked = new Map<string, Set<string>>();
  /** The last signal `seq` accepted per sender and target session (`from\nto`), for SendSignals' dedup. */
  readonly signalSeqs = new Map<string, number>();
  /** Sessions that have left the call, with their user: signals to or from them are dropped, not refused. */
  readonly departed = new Map<string, string>();
  /** Users blocked from the call (BlockUser): they cannot join until unblocked. */
  readonly blocked = new Set<string>();

  constructor(
    readonly callType: CallTypeDefinition,
    readonly id: string,
    readonly createdBy: string,
    readonly createdAt: number,
    readonly settings: CallSettings,
    /** The coordinator's clock, epoch ms: reactions are handed out for {@link REACTION_TTL_MS} after they arrived. */
    private readonly now: () => number = Date.now,
  ) {
    this.cid = `${callType.name}:${id}`;
    this.updatedAt = createdAt;
  }

  get type(): string {
    return this.callType.name;
  }

  get ended(): boolean {
    return !Number.isNaN(this.endedAt);
  }

  /** The call role of `userId`: its member role, or the non-member role. */
  roleOf(userId: string): string {
    return this.members.get(userId)?.role ?? NON_MEMBER_ROLE;
  }

  /** What `userId` may do in this call: its role's capabilities, plus grants, minus revocations. */
  capabilitiesOf(userId: string): string[] {
    const caps = new Set(this.callType.roles[this.roleOf(userId)] ?? []);
    for (const c of this.granted.get(userId) ?? []) caps.add(c);
    for (const c of this.revoked.get(userId) ?? []) caps.delete(c);
    return [...caps].sort();
  }

  can(userId: string, capability: string): boolean {
    return this.capabilitiesOf(userId).includes(capability);
  }

  /** Whether `userId` is a member or has a session in the call (whatever their capabilities). */
  involves(userId: string): boolean {
    if (this.members.has(userId)) return true;
    for (const p of this.participants.values()) if (p.userId === userId) return true;
    return false;
  }

  /** Everyone who hears about the call: members, the creator and participants. */
  audience(): Set<string> {
    const users = new Set(this.members.keys());
    users.add(this.createdBy);
    for (const p of this.participants.values()) users.add(p.userId);
    return users;
  }

  /** Removes a session and what was kept for it (its signalling sequence numbers). */
  removeParticipant(sessionId: string): ParticipantRecord | undefined {
    const record = this.participants.get(sessionId);
    if (!record) return undefined;
    this.participants.delete(sessionId);
    this.departed.set(sessionId, record.userId);
    for (const key of this.signalSeqs.keys()) {
      const [from, to] = key.split('\n');
      if (from === sessionId || to === sessionId) this.signalSeqs.delete(key);
    }
    return record;
  }

  touch(now: number): void {
    this.updatedAt = Math.max(now, this.updatedAt);
  }

  toCall(): Call {
    return {
      type: this.type,
      id: this.id,
      cid: this.cid,
      createdByUserId: this.createdBy,
      createdAt: toTimestamp(this.createdAt),
      updatedAt: toTimestamp(this.updatedAt),
      endedAt: this.ended ? toTimestamp(this.endedAt) : undefined,
      settings: this.settings,
      recording: this.recording,
      ringing: this.ringing,
      memberCount: this.members.size,
      custom: this.custom,
      capabilitiesByRole: Object.entries(this.callType.roles).map(([role, capabilities]) => ({ role, capabilities: [...capabilities] })),
      blockedUserIds: this.blockedUserIds(),
    };
  }

  /** The blocked users, sorted. */
  blockedUserIds(): string[] {
    return [...this.blocked].sort();
  }

  toMember(m: MemberRecord, users: UserDirectory): Member {
    return {
      userId: m.userId,
      callCid: this.cid,
      role: m.role,
      user: users.get(m.userId),
      createdAt: toTimestamp(m.createdAt),
      updatedAt: toTimestamp(m.updatedAt),
    };
  }

  toParticipant(p: ParticipantRecord, users: UserDirectory): Participant {
    return {
      user: users.get(p.userId),
      sessionId: p.sessionId,
      role: p.role,
      joinedAt: toTimestamp(p.joinedAt),
      publishedTracks: [...(p.publishedTracks ?? [])],
      reaction: p.reaction && this.now() - p.reaction.at < REACTION_TTL_MS ? p.reaction.reaction : undefined,
    };
  }

  /** The call as `userId` sees it. */
  toState(userId: string, users: UserDirectory): CallState {
    return {
      call: this.toCall(),
      members: [...this.members.values()].map((m) => this.toMember(m, users)),
      ownCapabilities: this.capabilitiesOf(userId),
      participants: [...this.participants.values()].map((p) => this.toParticipant(p, users)),
    };
  }
}

/** The profiles of the users the coordinator has seen. */
export class UserDirectory {
  private readonly users = new Map<string, User>();

  /** Stores `user`'s profile, keeping known fields that the new profile leaves empty. */
  upsert(user: User): User {
    const known = this.users.get(user.id);
    // Every field the new profile gives (not empty) wins; the others keep what was known.
    const given = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== '' && v !== undefined)) as PartialMessage<User>;
    const merged = User.create({ ...known, ...given, role: given.role ?? known?.role ?? 'user' });
    this.users.set(user.id, merged);
    return merged;
  }

  /** The profile of `userId`; a bare one when the user was never described. */
  get(userId: string): User {
    return this.users.get(userId) ?? User.create({ id: userId, role: 'user' });
  }
}

export function toTimestamp(ms: number): Timestamp {
  return Timestamp.fromDate(new Date(ms));
}
