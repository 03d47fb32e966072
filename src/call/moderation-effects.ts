import type { Logger } from '../config/logger';
import { StreamVideoError } from '../errors/stream-video-error';
import type { CoordinatorEvent } from '../events/event-map';
import type { Call } from './call';

/**
 * What a moderation event does to the joined call's media once it is folded into the store:
 * a `call.user_muted` that names the connected user stops those tracks on the device (the
 * store already shows them unpublished). A kick or a block needs nothing here: its fold leaves
 * the call, which closes the media.
 *
 * ```ts
 * pipeline = new EventPipeline(target, (event) => { applyModeration(event, store.active?.call, userId, logger); router.emit(event.type, event); }, logger);
 * ```
 * @param event an event already folded into the store.
 * @param call the joined call, if any.
 * @param userId the connected user.
 * @param logger where a track that could not be stopped is reported (`warn`).
 */
export function applyModeration(event: CoordinatorEvent, call: Call | undefined, userId: string, logger: Logger): void {
  if (event.type !== 'call.user_muted' || !call || call.cid !== event.callCid || !event.mutedUserIds.includes(userId)) return;
  call.stopMutedTracks(event.trackTypes).catch((err: unknown) => logger('warn', 'could not stop a muted track', { code: StreamVideoError.from(err).code }));
}
