/**
 * The demo page: a plain-DOM app on the SDK's universal entry that shows the read-only store
 * at work. Every section renders one store (or a few) and re-renders when it changes; the
 * buttons call the client. Served, bundled for the browser, by `demo-server.ts`.
 *
 * Elements that tests read or click carry a `data-testid`; participants and video tiles also
 * carry `data-user-id`, `data-session-id`, `data-local`, `data-pinned` and `data-dominant`.
 * `window.demo` holds the client, for the console and the browser tests.
 *
 * Moderation sits on each remote tile for users whose role allows it (mute, kick, block), with
 * "Mute everyone", "End call for everyone" and the blocked users' list; the reactions bar
 * sends reactions, shown on the tiles until the store clears them.
 */
import type { ReadableAtom } from 'nanostores';
import {
  CALL_CONFIG,
  StreamVideoClient,
  StreamVideoError,
  TrackType,
  type Call,
  type CallRecording,
  type CallStatsReport,
  type DeviceInfo,
  type PendingCall,
  type PermissionRequestEvent,
  type StreamParticipant,
  type StreamEventMap,
  type User,
} from '../../src/index';

const CALL_TYPE = 'default';

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`demo page: #${id} is missing`);
  return found as T;
}

type Attrs = Record<string, string | boolean | ((event: Event) => void)>;
type Child = Node | string | false | undefined;

/** Builds an element: attributes (`on…` ones become listeners) and children. Text is never parsed as HTML. */
function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else if (value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== false && child !== undefined) node.append(child);
  return node;
}

const apiKey = document.querySelector<HTMLMetaElement>('meta[name="stream-api-key"]')?.content || 'local-key';
const client = new StreamVideoClient(apiKey, { baseUrl: location.origin }, CALL_CONFIG.ring);
const store = client.readOnlyStateStore;
(window as unknown as { demo: { client: StreamVideoClient } }).demo = { client };

/** Runs a user action (an event handler's work: nothing awaits it); a failure shows in the error box (and the console). */
function act(what: string, action: () => unknown): void {
  $('error').hidden = true;
  void (async () => {
    try {
      await action();
    } catch (err) {
      showError(what, err);
    }
  })();
}

/** Shows a failure in the error box (and the console). */
function showError(what: string, err: unknown): void {
  const box = $('error');
  box.textContent = `${what} failed: ${err instanceof Error ? err.message : String(err)}`;
  box.dataset.code = err instanceof StreamVideoError ? err.code : '';
  box.hidden = false;
  console.warn(`[demo] ${what} failed`, err);
}

/** `type:id` → `[type, id]` (the id may contain no colon, the type never does). */
function splitCid(cid: string): [string, string] {
  const at = cid.indexOf(':');
  return [cid.slice(0, at), cid.slice(at + 1)];
}

function displayName(user: Pick<User, 'id' | 'name'> | undefined): string {
  if (!user) return 'someone';
  return user.name && user.name !== user.id ? `${user.name} (${user.id})` : user.id;
}

async function postJson(path: string, body: unknown): Promise<Response> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res;
}

/** The user's token, from the page's own endpoint (in the body, never in a URL). */
async function fetchToken(userId: string): Promise<string> {
  const { token } = (await (await postJson('/demo/token', { userId })).json()) as { token?: unknown };
  if (typeof token !== 'string') throw new Error('the token endpoint answered without a token');
  return token;
}

function newCallId(): string {
  return `demo-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

// ---- user and connection ---------------------------------------------------------------

$('connect').addEventListener('click', () =>
  act('connect', async () => {
    const id = $<HTMLSelectElement>('user-select').value;
    await client.connectUser({ id, name: id.charAt(0).toUpperCase() + id.slice(1) }, () => fetchToken(id));
  }),
);
// Listeners outlive `disconnectUser`: added once, they serve every connection.
client.on('call.permissions_updated', () => renderCapabilities());
$('disconnect').addEventListener('click', () => act('disconnect', () => client.disconnectUser()));

store.connectionState$.subscribe((state) => {
  const pill = $('connection-state');
  pill.textContent = state;
  pill.className = `pill ${state}`;
});

store.connectedUser$.subscribe((user) => {
  $('current-user').textContent = user ? `Signed in as ${displayName(user)}` : 'Not connected';
  $<HTMLButtonElement>('connect').disabled = Boolean(user);
  $<HTMLSelectElement>('user-select').disabled = Boolean(user);
  $<HTMLButtonElement>('disconnect').disabled = !user;
});

// ---- ringing ---------------------------------------------------------------------------

$('ring-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const callee = $<HTMLInputElement>('callee').value.trim();
  act('ring', () => client.getOrCreateCall(newCallId(), CALL_TYPE, { members: [{ userId: callee }], ring: true }));
});

function pendingItem(pending: PendingCall): HTMLElement {
  const cid = pending.call.call?.cid ?? '';
  const [type, id] = splitCid(cid);
  const me = store.connectedUser$.get()?.id;
  const incoming = pending.direction === 'incoming';
  const label = incoming
    ? `${displayName(pending.ringer)} is calling`
    : `Ringing ${
        pending.call.members
          .filter((m) => m.userId !== me)
          .map((m) => m.userId)
          .join(', ') || '…'
      }`;
  return h(
    'li',
    { 'data-testid': `${pending.direction}-call`, 'data-call-cid': cid },
    h('span', { class: 'grow' }, label, h('br'), h('small', {}, cid)),
    incoming && h('button', { 'data-testid': 'accept', onclick: () => act('accept', () => client.acceptCall(id, type)) }, 'Accept'),
    incoming && h('button', { class: 'danger', 'data-testid': 'reject', onclick: () => act('reject', () => client.rejectCall(id, type)) }, 'Reject'),
    !incoming && h('button', { class: 'danger', 'data-testid': 'cancel', onclick: () => act('cancel', () => client.cancelCall(id, type)) }, 'Cancel'),
  );
}

function renderPending(direction: 'incoming' | 'outgoing', calls: readonly PendingCall[]): void {
  const items = calls.map(pendingItem);
  if (items.length === 0) items.push(h('li', { class: 'empty', 'data-testid': `${direction}-empty` }, `No ${direction} calls`));
  $(direction).replaceChildren(...items);
}
store.incomingCalls$.subscribe((calls) => renderPending('incoming', calls));
store.outgoingCalls$.subscribe((calls) => renderPending('outgoing', calls));

// The callee accepted an outgoing call: say so, and join it (unless already in a call). The
// store clears acceptedCall$ once the call is joined; the line keeps the last one as news.
store.acceptedCall$.subscribe((accepted) => {
  if (!accepted) return;
  const line = $('accepted');
  line.hidden = false;
  line.textContent = `${accepted.callCid} accepted by ${accepted.user?.id ?? 'someone'}`;
  if (!store.activeCall$.get()) {
    const [type, id] = splitCid(accepted.callCid);
    queueMicrotask(() => act('join', () => client.joinCall(id, type)));
  }
});

// ---- media: device toggles and pickers, a video tile per participant, the quality line ----

/** The active call's device subscriptions, dropped when the call changes. */
const deviceSubscriptions: (() => void)[] = [];

function renderMediaControls(): void {
  const call = store.activeCall$.get();
  const can = (capability: string) => call?.ownCapabilities.includes(capability) ?? false;
  const controls: [string, string | undefined, string, string, string][] = [
    ['camera-toggle', call?.camera.state.status$.get(), 'send-video', 'Start camera', 'Stop camera'],
    ['mic-toggle', call?.microphone.state.status$.get(), 'send-audio', 'Start microphone', 'Mute microphone'],
    ['screenshare-toggle', call?.screenShare.status$.get(), 'screenshare', 'Share screen', 'Stop sharing'],
  ];
  for (const [id, status, capability, start, stop] of controls) {
    const on = status === 'enabled';
    const button = $<HTMLButtonElement>(id);
    button.textContent = on ? stop : start;
    button.disabled = !on && !can(capability);
    button.dataset.on = String(on);
  }
  $('muted-hint').hidden = !call?.microphone.speakingWhileMuted$.get();
}

/** Fills a device picker from a device list; choosing one selects it. */
function renderPicker(id: string, devices: readonly DeviceInfo[], selected: string | undefined): void {
  const picker = $<HTMLSelectElement>(id);
  const options = [
    h('option', { value: '' }, 'Default'),
    ...devices.filter((d) => d.deviceId && d.deviceId !== 'default').map((d) => h('option', { value: d.deviceId }, d.label || d.deviceId)),
  ];
  picker.replaceChildren(...options);
  picker.value = selected && selected !== 'default' && devices.some((d) => d.deviceId === selected) ? selected : '';
}

/** Follows the devices of the joined call: statuses, lists, selections. */
function followDevices(call: Readonly<Call> | undefined): void {
  for (const stop of deviceSubscriptions.splice(0)) stop();
  if (!call) return;
  const { camera, microphone, speaker, screenShare } = call;
  const pickers: [string, ReadableAtom<readonly DeviceInfo[]>, ReadableAtom<string | undefined>][] = [
    ['camera-select', camera.listDevices(), camera.state.selectedDevice$],
    ['mic-select', microphone.listDevices(), microphone.state.selectedDevice$],
    ['speaker-select', speaker.listDevices(), speaker.selectedDevice$],
  ];
  for (const [id, list, selected] of pickers) {
    const render = () => renderPicker(id, list.get(), selected.get());
    deviceSubscriptions.push(list.subscribe(render), selected.listen(render));
  }
  for (const atom of [camera.state.status$, microphone.state.status$, screenShare.status$, microphone.speakingWhileMuted$])
    deviceSubscriptions.push(atom.listen(renderMediaControls));
}

const pick = (id: string, select: (call: Readonly<Call>, deviceId: string | undefined) => Promise<void>) =>
  $(id).addEventListener('change', () => {
    const call = store.activeCall$.get();
    const value = $<HTMLSelectElement>(id).value || undefined;
    if (call) void act('select a device', () => select(call, value));
  });
pick('camera-select', (call, id) => call.camera.select(id));
pick('mic-select', (call, id) => call.microphone.select(id));
pick('speaker-select', (call, id) => call.speaker.select(id));

/** The call the buttons act on. */
function activeCall(): Readonly<Call> {
  const call = store.activeCall$.get();
  if (!call) throw new Error('not in a call');
  return call;
}
$('camera-toggle').addEventListener('click', () => void act('camera', () => activeCall().camera.toggle()));
$('mic-toggle').addEventListener('click', () => void act('microphone', () => activeCall().microphone.toggle()));
$('flip-camera').addEventListener('click', () => void act('flip', () => activeCall().camera.flip()));
$('screenshare-toggle').addEventListener('click', () => void act('screen share', () => activeCall().screenShare.toggle({ audio: true })));
$('resume-audio').addEventListener('click', () => void act('play sound', () => activeCall().resumeAudio()));
store.autoplayBlocked$.subscribe((blocked) => ($('autoplay').hidden = !blocked));

/** A tile's media elements, kept across renders so that playback does not restart, and the functions that unbind them. */
interface Tile {
  root: HTMLElement;
  video: HTMLVideoElement;
  screen: HTMLVideoElement;
  audio: HTMLAudioElement;
  label: HTMLElement;
  /** The participant's reaction while the store shows it. */
  reaction: HTMLElement;
  unbind: (() => void)[];
}
const tiles = new Map<string, Tile>();

/**
 * A participant's tile: its elements are bound to the participant's tracks with
 * `bindVideoElement` / `bindAudioElement` (the SDK sets and follows their `srcObject`; in an
 * SFU call it also asks for the video layer that fits the tile, and none while it is hidden).
 */
function tileFor(p: StreamParticipant, call: Readonly<Call>): Tile {
  let tile = tiles.get(p.sessionId);
  if (tile) return tile;
  const video = h('video', { autoplay: true, playsinline: true, 'data-testid': 'tile-video' }) as HTMLVideoElement;
  video.muted = true; // sound plays through the audio element
  const screen = h('video', { autoplay: true, playsinline: true, class: 'screen', 'data-testid': 'tile-screen' }) as HTMLVideoElement;
  screen.muted = true;
  const audio = h('audio', { 'data-testid': 'tile-audio' }) as HTMLAudioElement;
  const label = h('div', { class: 'label' });
  const reaction = h('span', { class: 'reaction', 'data-testid': 'tile-reaction', hidden: true });
  const unbind = bindTile(call, p, video, screen, audio);
  tile = { root: h('div', { class: 'tile', 'data-testid': 'tile' }, video, screen, audio, reaction, label), video, screen, audio, label, reaction, unbind };
  tiles.set(p.sessionId, tile);
  return tile;
}

function bindTile(call: Readonly<Call>, p: StreamParticipant, video: HTMLVideoElement, screen: HTMLVideoElement, audio: HTMLAudioElement): (() => void)[] {
  try {
    const bound = [call.bindVideoElement(video, p.sessionId, TrackType.VIDEO), call.bindVideoElement(screen, p.sessionId, TrackType.SCREEN_SHARE)];
    // Never play one's own microphone.
    if (!p.isLocalParticipant) bound.push(call.bindAudioElement(audio, p.sessionId));
    return bound;
  } catch (err) {
    // No WebRTC here (`unsupported`): the tile shows the participant without media.
    showError('show media', err);
    return [];
  }
}

function renderTiles(): void {
  const call = store.activeCall$.get();
  const list = call ? store.participants$.get().toArray() : [];
  const dominant = store.dominantSpeaker$.get()?.sessionId;
  const mayRevoke = call?.ownCapabilities.includes('update-call-permissions') ?? false;
  const present = new Set(list.map((p) => p.sessionId));
  for (const [sessionId, tile] of tiles) {
    if (present.has(sessionId)) continue;
    for (const unbind of tile.unbind) unbind();
    tiles.delete(sessionId);
  }
  const roots = list.map((p) => {
    const tile = tileFor(p, call!);
    const root = tile.root;
    Object.assign(root.dataset, {
      userId: p.userId,
      sessionId: p.sessionId,
      local: String(p.isLocalParticipant),
      pinned: String(p.isPinned),
      dominant: String(p.sessionId === dominant),
    });
    root.className = `tile${p.sessionId === dominant ? ' dominant' : ''}${p.isPinned ? ' pinned' : ''}${p.isSpeaking ? ' speaking' : ''}`;
    root.dataset.speaking = String(p.isSpeaking);
    root.style.setProperty('--level', String(p.audioLevel));
    // The bound elements play the streams; an element with nothing to show is hidden (and then asks for no video).
    tile.video.hidden = !p.videoStream;
    tile.screen.hidden = !p.screenShareStream;
    tile.audio.hidden = p.isLocalParticipant || !p.audioStream;
    const audioOn = p.publishedTracks.includes(TrackType.AUDIO);
    const videoOn = p.publishedTracks.includes(TrackType.VIDEO);
    const canSendVideo = p.isLocalParticipant ? false : mayRevoke;
    const moderate = (capability: string) => !p.isLocalParticipant && (call?.ownCapabilities.includes(capability) ?? false);
    const button = (testId: string, label: string, what: string, action: () => Promise<unknown>) =>
      h('button', { class: 'danger', 'data-testid': testId, onclick: () => void act(what, action) }, label);
    const parts: Child[] = [
      h('span', {
        class: `dot ${p.connectionQuality}`,
        'data-testid': 'quality-dot',
        'data-quality': p.connectionQuality,
        title: `connection: ${p.connectionQuality}`,
      }),
      h('span', { class: 'grow', 'data-testid': 'tile-name' }, displayName(p.user.id ? p.user : { id: p.userId, name: '' })),
      h('span', { class: `tag${audioOn ? '' : ' off'}`, 'data-testid': audioOn ? 'audio-on' : 'audio-muted' }, audioOn ? 'mic' : 'mic off'),
      h('span', { class: `tag${videoOn ? '' : ' off'}`, 'data-testid': videoOn ? 'video-on' : 'video-muted' }, videoOn ? 'cam' : 'cam off'),
      p.isPinned && h('span', { class: 'tag pin', 'data-testid': 'tile-pinned' }, '★'),
      p.sessionId === dominant && h('span', { class: 'tag speak', 'data-testid': 'tile-dominant' }, '●'),
      canSendVideo &&
        h(
          'button',
          {
            class: 'danger',
            'data-testid': 'revoke-video',
            onclick: () => act('revoke video', () => client.updateUserPermissions(...activeIds(), { userId: p.userId, revokePermissions: ['send-video'] })),
          },
          'Revoke cam',
        ),
      moderate('mute-users') && button('mute-audio', 'Mute mic', 'mute', () => call!.muteUser(p.userId, TrackType.AUDIO)),
      moderate('mute-users') && button('mute-video', 'Mute cam', 'mute', () => call!.muteUser(p.userId, TrackType.VIDEO)),
      moderate('kick-user') && button('kick-user', 'Kick', 'kick', () => call!.kickUser(p.userId)),
      moderate('block-users') && button('block-user', 'Block', 'block', () => call!.blockUser(p.userId)),
    ];
    tile.label.replaceChildren(...parts.filter((c): c is Node | string => Boolean(c)));
    tile.reaction.textContent = p.reaction ? `${p.reaction.emojiCode} ${p.reaction.type}`.trim() : '';
    tile.reaction.hidden = !p.reaction;
    return root;
  });
  const container = $('tiles');
  if (roots.length !== container.children.length || roots.some((r, i) => container.children[i] !== r)) container.replaceChildren(...roots);
}
store.participants$.subscribe(() => {
  renderTiles();
  renderMediaControls();
});
store.dominantSpeaker$.subscribe(renderTiles);

/** The quality line: what arrives and what leaves, from the stats the SDK refreshes. */
function renderQuality(report: CallStatsReport | undefined): void {
  const line = $('quality');
  if (!report || report.peers.length === 0) {
    line.textContent = 'No media yet';
    return;
  }
  const inn = report.subscriberStats;
  const out = report.publisherStats;
  const connected = report.peers.filter((p) => p.connectionState === 'connected').length;
  line.textContent =
    `${connected}/${report.peers.length} connected · in ${inn.highestFrameWidth}×${inn.highestFrameHeight} @ ${Math.round(inn.highestFramesPerSecond)} fps, ${inn.framesProcessed} frames decoded · ` +
    `out ${out.highestFrameWidth}×${out.highestFrameHeight} · rtt ${inn.averageRoundTripTimeInMs.toFixed(1)} ms · lost ${inn.packetsLost}`;
  line.dataset.framesDecoded = String(inn.framesProcessed);
}
store.callStatsReport$.subscribe(renderQuality);
store.hasOngoingScreenShare$.subscribe((sharing) => ($('screenshare-badge').hidden = !sharing));

// ---- the active call -------------------------------------------------------------------

/** `[id, type]` of the active call, the order of the client's call methods. */
function activeIds(): [string, string] {
  const call = store.activeCall$.get();
  if (!call) throw new Error('not in a call');
  const [type, id] = splitCid(call.cid);
  return [id, type];
}

/** The user's capabilities in the active call, and the recording controls they allow. */
function renderCapabilities(): void {
  const call = store.activeCall$.get();
  const can = (capability: string) => call?.ownCapabilities.includes(capability) ?? false;
  const recording = store.callRecordingInProgress$.get();
  $('capabilities').textContent = call ? `My capabilities: ${call.ownCapabilities.join(', ')}` : '';
  $('recording-badge').hidden = !recording;
  $<HTMLButtonElement>('start-recording').disabled = recording || !can('start-record-call');
  $<HTMLButtonElement>('stop-recording').disabled = !recording || !can('stop-record-call');
  $<HTMLButtonElement>('mute-all').hidden = !can('mute-users');
  $<HTMLButtonElement>('end-call').hidden = !can('end-call');
  $('reactions').hidden = !can('create-reaction');
  renderMediaControls();
  renderTiles();
  renderBlocked();
}

store.activeCall$.subscribe((call) => {
  followDevices(call);
  $('active-call').textContent = call ? `In call ${call.cid}` : 'Not in a call';
  if (call) {
    $('moderation-notice').hidden = true;
    $('rejoin').hidden = true;
  }
  $('call-controls').hidden = !call;
  $('participants-section').hidden = !call;
  $('media-section').hidden = !call;
  renderCapabilities();
});

function participantItem(p: StreamParticipant, dominant: boolean): HTMLElement {
  return h(
    'li',
    {
      'data-testid': 'participant',
      'data-user-id': p.userId,
      'data-session-id': p.sessionId,
      'data-local': String(p.isLocalParticipant),
      'data-pinned': String(p.isPinned),
      'data-dominant': String(dominant),
      class: dominant ? 'speaking' : '',
    },
    h('span', { class: 'grow', 'data-testid': 'participant-name' }, displayName(p.user.id ? p.user : { id: p.userId, name: '' })),
    p.isLocalParticipant && h('span', { class: 'tag', 'data-testid': 'local-marker' }, 'you'),
    p.isPinned && h('span', { class: 'tag pin', 'data-testid': 'pinned-marker' }, '★ pinned'),
    dominant && h('span', { class: 'tag speak', 'data-testid': 'dominant-marker' }, '● speaking'),
    h(
      'button',
      { class: 'secondary', 'data-testid': 'pin-button', onclick: () => act('pin', () => client.setParticipantIsPinned(p.sessionId, !p.isPinned)) },
      p.isPinned ? 'Unpin' : 'Pin',
    ),
  );
}

function renderParticipants(): void {
  const dominant = store.dominantSpeaker$.get()?.sessionId;
  const list = store.participants$.get().toArray();
  $('participants').replaceChildren(...list.map((p) => participantItem(p, p.sessionId === dominant)));
  const pinned = store.pinnedParticipants$.get().toArray();
  $('pinned').textContent = pinned.length > 0 ? `Pinned: ${pinned.map((p) => p.userId).join(', ')}` : 'Nothing pinned';
}
store.participants$.subscribe(renderParticipants);
store.pinnedParticipants$.subscribe(renderParticipants);
store.dominantSpeaker$.subscribe(renderParticipants);

store.callRecordingInProgress$.subscribe(renderCapabilities);
$('start-recording').addEventListener('click', () => act('start recording', () => client.startRecording(...activeIds())));
$('stop-recording').addEventListener('click', () => act('stop recording', () => client.stopRecording(...activeIds())));

$('request-screenshare').addEventListener('click', () =>
  act('request screenshare', () => client.requestCallPermissions(...activeIds(), { permissions: ['screenshare'] })),
);

// The store shows a request until it is answered; the one this page granted stays on screen, marked.
let granted: PermissionRequestEvent | undefined;
function renderPermissionRequest(): void {
  const request = store.callPermissionRequest$.get() ?? granted;
  const box = $('permission-request');
  box.hidden = !request;
  if (!request) {
    box.replaceChildren();
    return;
  }
  const userId = request.user?.id ?? '';
  const grant = () =>
    act('grant', async () => {
      granted = request;
      try {
        await client.updateUserPermissions(...activeIds(), { userId, grantPermissions: [...request.permissions] });
      } catch (err) {
        granted = undefined;
        throw err;
      } finally {
        renderPermissionRequest();
      }
    });
  box.replaceChildren(
    h('span', { 'data-testid': 'permission-request-text' }, `${userId || 'someone'} asks for ${request.permissions.join(', ')}`),
    granted === request
      ? h('span', { class: 'tag ok', 'data-testid': 'permission-granted' }, 'granted')
      : h('button', { 'data-testid': 'grant', onclick: grant }, 'Grant'),
  );
}
store.callPermissionRequest$.subscribe(renderPermissionRequest);
store.activeCall$.listen(() => {
  granted = undefined;
  renderPermissionRequest();
});

// Simulated speech: the demo server tells the call that this participant is the dominant speaker.
$('speak').addEventListener('click', () =>
  act('speak', async () => {
    const me = store.localParticipant$.get();
    const call = store.activeCall$.get();
    if (!me || !call) throw new Error('not in a call');
    await postJson('/demo/dominant-speaker', { callCid: call.cid, userId: me.userId, sessionId: me.sessionId });
  }),
);

$('leave').addEventListener('click', () => act('leave', () => store.activeCall$.get()?.leave()));

// ---- reactions and moderation ----------------------------------------------------------

const REACTIONS: [type: string, emoji: string][] = [
  ['like', '👍'],
  ['love', '❤️'],
  ['fireworks', '🎉'],
  ['raised-hand', '✋'],
];
$('reactions').replaceChildren(
  ...REACTIONS.map(([type, emojiCode]) =>
    h(
      'button',
      { 'data-testid': `react-${type}`, title: type, onclick: () => void act('react', () => store.activeCall$.get()?.sendReaction({ type, emojiCode })) },
      `${emojiCode} ${type}`,
    ),
  ),
);
$('mute-all').addEventListener('click', () => void act('mute everyone', () => store.activeCall$.get()?.muteAllUsers(TrackType.AUDIO)));
$('end-call').addEventListener('click', () => void act('end call', () => store.activeCall$.get()?.endCall()));

/** The call's blocked users, each with an Unblock button for those who may. */
function renderBlocked(): void {
  const call = store.activeCall$.get();
  const mayUnblock = call?.ownCapabilities.includes('block-users') ?? false;
  const blocked = call?.data.blockedUserIds ?? [];
  $('blocked').replaceChildren(
    ...blocked.map((userId) =>
      h(
        'li',
        { 'data-testid': 'blocked-user', 'data-user-id': userId },
        h('span', { class: 'grow' }, `${userId} is blocked`),
        mayUnblock &&
          h('button', { class: 'secondary', 'data-testid': 'unblock', onclick: () => void act('unblock', () => call!.unblockUser(userId)) }, 'Unblock'),
      ),
    ),
  );
}
client.on('call.blocked_user', renderBlocked);
client.on('call.unblocked_user', renderBlocked);

/** Says what a moderator did to this user; after a removal, offers to join the call again. */
function notice(text: string, rejoinCid?: string): void {
  const box = $('moderation-notice');
  box.textContent = text;
  box.hidden = false;
  const rejoin = $<HTMLButtonElement>('rejoin');
  rejoin.hidden = !rejoinCid;
  rejoin.dataset.callCid = rejoinCid ?? '';
}
const isMe = (user: User | undefined) => Boolean(user) && user?.id === store.connectedUser$.get()?.id;
const TRACK_NAMES: Record<number, string> = { [TrackType.AUDIO]: 'microphone', [TrackType.VIDEO]: 'camera', [TrackType.SCREEN_SHARE]: 'screen share' };
client.on('call.user_muted', (e: StreamEventMap['call.user_muted']) => {
  if (!e.mutedUserIds.includes(store.connectedUser$.get()?.id ?? '')) return;
  notice(`${displayName(e.user)} muted your ${e.trackTypes.map((t) => TRACK_NAMES[t]).join(' and ')}`);
});
client.on('call.kicked_user', (e) => {
  if (isMe(e.user)) notice(`${displayName(e.kickedByUser)} removed you from the call`, e.callCid);
});
client.on('call.blocked_user', (e) => {
  if (isMe(e.user)) notice(`${displayName(e.blockedByUser)} blocked you from the call`, e.callCid);
});
client.on('call.ended', (e) => {
  if (e.user && !isMe(e.user)) notice(`${displayName(e.user)} ended the call for everyone`);
});
$('rejoin').addEventListener(
  'click',
  () =>
    void act('join again', async () => {
      const [type, id] = splitCid($('rejoin').dataset.callCid ?? '');
      await client.joinCall(id, type);
    }),
);

// ---- recordings ------------------------------------------------------------------------

/** The recordings of each call this page heard of (as QueryRecordings listed them last), and the recordings that failed. */
const recordings = new Map<string, CallRecording[]>();
const failedRecordings: { cid: string; filename: string; reason: string }[] = [];

/** Lists `cid`'s recordings again: the list, and fresh download URLs. */
async function loadRecordings(cid: string): Promise<void> {
  const [type, id] = splitCid(cid);
  recordings.set(cid, (await client.queryRecordings(id, type)).recordings);
  renderRecordings();
}

function recordingItem(cid: string, r: CallRecording): HTMLElement {
  const [type, id] = splitCid(cid);
  const remove = () =>
    act('delete recording', async () => {
      await client.deleteRecording(id, type, r.filename);
      await loadRecordings(cid);
    });
  return h(
    'li',
    { 'data-testid': 'recording', 'data-call-cid': cid, 'data-filename': r.filename },
    h('a', { class: 'grow', href: r.url, target: '_blank', rel: 'noopener', 'data-testid': 'recording-link' }, r.filename),
    h('span', { class: 'tag', 'data-testid': 'recording-duration' }, `${(r.durationMs / 1000).toFixed(1)} s`),
    h('span', { class: 'muted' }, r.startTime ? r.startTime.toLocaleTimeString() : ''),
    h('button', { class: 'secondary', 'data-testid': 'recording-delete', onclick: () => void remove() }, 'Delete'),
  );
}

function renderRecordings(): void {
  const items = [...recordings].flatMap(([cid, list]) => list.map((r) => recordingItem(cid, r)));
  for (const f of failedRecordings) {
    items.push(
      h(
        'li',
        { 'data-testid': 'recording-failed', 'data-call-cid': f.cid, 'data-filename': f.filename },
        h('span', { class: 'grow' }, f.filename),
        h('span', { class: 'tag off', 'data-testid': 'recording-failure' }, `not made: ${f.reason}`),
      ),
    );
  }
  $('recordings').replaceChildren(...items);
  $('recordings-section').hidden = items.length === 0;
}

// A recording of an SFU call became a file (some time after it stopped): list the call's recordings.
client.on('call.recording_ready', (e) => void act('list recordings', () => loadRecordings(e.callCid)));
client.on('call.recording_failed', (e) => {
  failedRecordings.push({ cid: e.callCid, filename: e.filename, reason: e.reason });
  renderRecordings();
});
store.connectedUser$.subscribe((user) => {
  if (user) return;
  recordings.clear();
  failedRecordings.length = 0;
  renderRecordings();
});
