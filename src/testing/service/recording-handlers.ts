import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { CallRecordings } from '../recording/call-recordings';
import type { CoordinatorState } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';

type Service = ICoordinatorService<TwirpContext>;

/** Most characters of a recording's file name. */
const MAX_FILENAME = 255;

/** Listing and deleting a call's recordings (the files themselves are served at signed URLs). */
export function recordingHandlers(state: CoordinatorState, recordings: CallRecordings): Pick<Service, 'queryRecordings' | 'deleteRecording'> {
  return {
    async queryRecordings(req, ctx) {
      const call = state.getCall(req.type, req.id);
      return { recordings: recordings.list(call, ctx.userId) };
    },

    async deleteRecording(req, ctx) {
      const call = state.getCall(req.type, req.id);
      if (!req.filename) throw TwirpError.missing('filename');
      if (req.filename.length > MAX_FILENAME || /[/\\\0]/.test(req.filename))
        throw TwirpError.invalid('filename', `must be a recording's file name: at most ${MAX_FILENAME} characters, no slashes`);
      await recordings.delete(call, ctx.userId, req.filename);
      return {};
    },
  };
}
