import { TwirpError } from '../twirp/twirp-error';
import type { CallRecord, RingAnswer } from '../state/call-record';
import { requireNotEnded, type CoordinatorState } from '../state/coordinator-state';

/**
 * Throws unless `userId` may answer the ring of `call` with `answer`: a member the call rang
 * (not its creator), on a call that has not ended or been cancelled, and not the other answer
 * given already.
 */
export function checkAnswer(call: CallRecord, userId: string, answer: RingAnswer): void {
  if (!call.members.has(userId)) throw new TwirpError('permission_denied', `only members of call ${call.cid} may answer it`, { reason: 'not_member' });
  if (userId === call.createdBy) throw new TwirpError('failed_precondition', `the creator of call ${call.cid} cannot answer their own call`);
  if (!call.rung.has(userId)) throw new TwirpError('failed_precondition', `call ${call.cid} did not ring "${userId}"`);
  requireNotEnded(call);
  if (call.cancelled) throw new TwirpError('failed_precondition', `call ${call.cid} was cancelled`);
  const previous = call.answers.get(userId);
  if (previous && previous !== answer) throw new TwirpError('failed_precondition', `call ${call.cid} was already ${previous} by "${userId}"`);
}

/**
 * Records `userId`'s answer (checked with {@link checkAnswer}) and tells the call's audience,
 * once: a repeated answer changes nothing and publishes nothing. An accept ends the ring; so
 * does the last callee's reject. A reject's `reason` (e.g. `busy`) goes with its event.
 */
export function recordAnswer(state: CoordinatorState, call: CallRecord, userId: string, answer: RingAnswer, reason = ''): void {
  if (call.answers.get(userId) === answer) return;
  call.answers.set(userId, answer);
  call.answeredAt.set(userId, state.now());
  const callees = [...call.members.keys()].filter((u) => u !== call.createdBy);
  if (answer === 'accepted' || callees.every((u) => call.answers.get(u) === 'rejected')) call.ringing = false;
  call.touch(state.now());
  const user = state.users.get(userId);
  state.publish(
    call.audience(),
    call,
    answer === 'accepted' ? { oneofKind: 'callAccepted', callAccepted: { user } } : { oneofKind: 'callRejected', callRejected: { user, reason } },
  );
}
