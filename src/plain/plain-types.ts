/**
 * The data the SDK hands out, named as the reference page names it: the schema's messages
 * (see `proto/`) in their plain form: custom data as JSON objects, times as `Date`s. Each
 * type follows its message: a field added to the schema appears here by itself, with the
 * schema's comment.
 */
import type * as rpc from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type * as models from '../../gen/stream/video/coordinator/v1/models';
import type { Plain } from './plain-data';

/** A user of the application: `id`, and the profile others see (`name`, `imageUrl`, `role`, `custom`). */
export interface User extends Plain<models.User> {}
/** A call, identified by `type` and `id`; `cid` is `type:id`. Times are `Date`s, `custom` is JSON. */
export interface CallData extends Plain<models.Call> {}
/** A call with what a client needs to show it: the call, its members, the user's capabilities, its participants. */
export interface CallState extends Plain<models.CallState> {}
/** A member of a call: a user with a call role. */
export interface Member extends Plain<models.Member> {}
/** A user who has joined a call with one session (a device, a tab). */
export interface Participant extends Plain<models.Participant> {}
/** The settings of one call: recording, ring timeouts, requestable permissions, media. */
export interface CallSettings extends Plain<models.CallSettings> {}
/** Whether and how a call may be recorded. */
export interface RecordingSettings extends Plain<models.RecordingSettings> {}
/** The ring timeouts of a call, in ms. */
export interface RingSettings extends Plain<models.RingSettings> {}
/** The media settings of a call: the mesh limit of publishing participants. */
export interface MediaSettings extends Plain<models.MediaSettings> {}
/** The capabilities of one call role. */
export interface RoleCapabilities extends Plain<models.RoleCapabilities> {}
/** The credentials to connect to the chosen edge server, with the STUN/TURN servers. */
export interface Credentials extends Plain<models.Credentials> {}
/** A STUN/TURN server. */
export interface IceServer extends Plain<models.IceServer> {}

/** What `getOrCreateCall` resolves with: the call, and whether this request created it. */
export interface GetOrCreateCallResponse extends Plain<rpc.GetOrCreateCallResponse> {}
/** What `queryCalls` resolves with: a page of calls and the cursors of the pages around it. */
export interface QueryCallsResponse extends Plain<rpc.QueryCallsResponse> {}
/** What `requestCallPermissions` resolves with (nothing: the request was sent). */
export interface RequestPermissionResponse extends Plain<rpc.RequestPermissionResponse> {}
/** What `updateUserPermissions` resolves with: the user's capabilities after the update. */
export interface UpdateUserPermissionsResponse extends Plain<rpc.UpdateUserPermissionsResponse> {}
/** A participant's reaction as `call.sendReaction` resolves with it: who, from which session, what, when. */
export interface Reaction extends Plain<models.Reaction> {}
