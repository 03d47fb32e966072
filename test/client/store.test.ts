/**
 * The state store: consistency with 10,000 participants joining and leaving in a seeded
 * random order (with dominant speakers and pins along the way), and read-only-ness.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, type ParticipantList, type StreamVideoClient } from '../../src/index-node';
import { Harness, mulberry32, nextEvent } from '../helpers/sdk';
import { Participant, User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, uniqueId } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const PARTICIPANTS = 10_000;
const CHUNK = 1000;

/** The expected store, computed from the generated events alone. */
class Model {
  /** Session ids in join order (Map keeps insertion order). */
  readonly order = new Map<string, true>();
  pinned: string[] = [];
  dominant: string | undefined;
  /** Remote sessions present, for O(1) random picks. */
  private readonly remote: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(readonly local: string) {
    this.order.set(local, true);
  }

  join(sessionId: string): void {
    this.order.set(sessionId, true);
    this.index.set(sessionId, this.remote.length);
    this.remote.push(sessionId);
  }

  leave(sessionId: string): void {
    this.order.delete(sessionId);
    const i = this.index.get(sessionId)!;
    const last = this.remote.pop()!;
    if (last !== sessionId) {
      this.remote[i] = last;
      this.index.set(last, i);
    }
    this.index.delete(sessionId);
    this.pinned = this.pinned.filter((s) => s !== sessionId);
    if (this.dominant === sessionId) this.dominant = undefined;
  }

  pin(sessionId: string, isPinned: boolean): void {
    const at = this.pinned.indexOf(sessionId);
    if (isPinned && at < 0) this.pinned.push(sessionId);
    if (!isPinned && at >= 0) this.pinned.splice(at, 1);
  }

  get remoteCount(): number {
    return this.remote.length;
  }

  /** A present session picked with `rand`, the local one included. */
  pick(rand: () => number): string {
    const i = Math.floor(rand() * (this.remote.length + 1));
    return i === this.remote.length ? this.local : this.remote[i];
  }

  pickRemote(rand: () => number): string {
    return this.remote[Math.floor(rand() * this.remote.length)];
  }
}

const ids = (list: ParticipantList) => list.toArray().map((p) => p.sessionId);

function assertStore(client: StreamVideoClient, model: Model, when: string): void {
  const s = client.readOnlyStateStore;
  const all = s.participants$.get();
  assert.is(all.size, model.order.size, `${when}: participants$.size`);
  assert.is(s.remoteParticipants$.get().size, model.order.size - 1, `${when}: remoteParticipants$.size`);
  assert.is(s.pinnedParticipants$.get().size, model.pinned.length, `${when}: pinnedParticipants$.size`);
  assert.is(s.localParticipant$.get()?.sessionId, model.local, `${when}: localParticipant$`);
  assert.is(s.dominantSpeaker$.get()?.sessionId, model.dominant, `${when}: dominantSpeaker$`);
  const pinned = new Set(model.pinned);
  assert.equal(
    ids(s.pinnedParticipants$.get()),
    [...model.order.keys()].filter((id) => pinned.has(id)),
    `${when}: pinnedParticipants$ in join order`,
  );
}

test(`store consistency: ${PARTICIPANTS} participants join and leave in a seeded random order`, async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  const call = await alice.joinCall(uniqueId('big'), 'default');
  const cid = call.cid;
  const model = new Model(call.sessionId);
  const rand = mulberry32(0x5eed);
  const publish = (payload: Parameters<typeof h.c.events.publish>[2]) => h.c.events.publish(['alice'], cid, payload);
  const participant = (n: number) =>
    Participant.create({ sessionId: `s-${n}`, role: 'user', user: User.create({ id: `u-${n}`, name: `User ${n}`, role: 'user' }) });

  let joined = 0;
  let left = 0;
  let chunk = 0;
  let sinceMarker = 0;
  while (joined < PARTICIPANTS) {
    const r = rand();
    if (r < 0.02 && model.order.size > 0) {
      // A dominant speaker change: mostly a present session, sometimes none.
      const speaker = rand() < 0.1 ? '' : model.pick(rand);
      publish({ oneofKind: 'dominantSpeakerChanged', dominantSpeakerChanged: { userId: '', sessionId: speaker } });
      model.dominant = speaker || undefined;
    } else if (r < 0.45 && model.remoteCount > 0) {
      const sessionId = model.pickRemote(rand);
      const n = Number(sessionId.slice(2));
      publish({ oneofKind: 'participantLeft', participantLeft: { participant: participant(n) } });
      model.leave(sessionId);
      left++;
    } else {
      publish({ oneofKind: 'participantJoined', participantJoined: { participant: participant(joined) } });
      model.join(`s-${joined}`);
      joined++;
    }
    if (++sinceMarker < CHUNK) continue;
    // Await a marker published last, then pin and unpin at this known point.
    sinceMarker = 0;
    await marker(h, alice, cid, ++chunk);
    assertStore(alice, model, `after chunk ${chunk}`);
    for (let i = 0; i < 8; i++) {
      const sessionId = model.pick(rand);
      const isPinned = rand() < 0.7;
      alice.setParticipantIsPinned(sessionId, isPinned);
      model.pin(sessionId, isPinned);
    }
  }
  // A last dominant speaker who is present, then the final marker.
  const speaker = model.pickRemote(rand);
  publish({ oneofKind: 'dominantSpeakerChanged', dominantSpeakerChanged: { userId: '', sessionId: speaker } });
  model.dominant = speaker;
  await marker(h, alice, cid, chunk + 1);

  assert.ok(left > PARTICIPANTS / 4, `many left (${left})`);
  assert.ok(model.pinned.length > 0, 'some are pinned at the end');
  assertStore(alice, model, 'at the end');
  const s = alice.readOnlyStateStore;
  const order = [...model.order.keys()];
  assert.equal(ids(s.participants$.get()), order, 'participants$ in join order');
  assert.equal(
    ids(s.remoteParticipants$.get()),
    order.filter((id) => id !== model.local),
    'remoteParticipants$ in join order',
  );
  assert.equal(
    s.participants$
      .get()
      .toArray()
      .filter((p) => p.isPinned)
      .map((p) => p.sessionId)
      .sort(),
    [...model.pinned].sort(),
    'isPinned flags',
  );
  assert.equal(
    s.participants$
      .get()
      .toArray()
      .filter((p) => p.isLocalParticipant)
      .map((p) => p.sessionId),
    [model.local],
  );
  assert.is(s.dominantSpeaker$.get()?.userId, `u-${speaker.slice(2)}`);
  // Look-ups by session agree with the lists.
  const all = s.participants$.get();
  for (let n = 0; n < PARTICIPANTS; n += 97) {
    const id = `s-${n}`;
    assert.is(all.has(id), model.order.has(id), `has(${id})`);
    assert.is(s.remoteParticipants$.get().get(id)?.userId, model.order.has(id) ? `u-${n}` : undefined);
    assert.is(s.pinnedParticipants$.get().has(id), model.pinned.includes(id));
  }
  assert.is(s.remoteParticipants$.get().get(model.local), undefined, 'the local participant is not remote');
  assert.is(call.participants.size, model.order.size, 'Call.participants is the same list');
  assert.is([...all].length, model.order.size, 'iterating the list');
});

/** Publishes a custom marker event last and resolves once alice has folded it. */
async function marker(h: Harness, alice: StreamVideoClient, cid: string, n: number): Promise<void> {
  const seen = nextEvent(alice, 'custom', (e) => e.custom['marker'] === n, 10_000);
  h.c.events.publish(['alice'], cid, { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ marker: n }) } });
  await seen;
}

test('read-only store: no set, frozen views, frozen store', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  await alice.joinCall(uniqueId(), 'default');
  const store = alice.readOnlyStateStore;
  assert.ok(Object.isFrozen(store), 'readOnlyStateStore is frozen');
  const names = [
    'connectedUser$',
    'connectionState$',
    'pendingCalls$',
    'incomingCalls$',
    'outgoingCalls$',
    'acceptedCall$',
    'activeCall$',
    'participants$',
    'localParticipant$',
    'remoteParticipants$',
    'pinnedParticipants$',
    'dominantSpeaker$',
    'callRecordingInProgress$',
    'callPermissionRequest$',
  ] as const;
  for (const name of names) {
    const view: object = store[name];
    assert.is(Reflect.get(view, 'set'), undefined, `${name}.set`);
    assert.is(Reflect.get(view, 'setKey'), undefined, `${name}.setKey`);
    assert.ok(Object.isFrozen(view), `${name} is frozen`);
    assert.is(
      Reflect.set(view, 'set', () => {}),
      false,
      `${name}.set cannot be added`,
    );
    assert.is(
      Reflect.set(view, 'get', () => 'forged'),
      false,
      `${name}.get cannot be replaced`,
    );
    assert.is(Reflect.deleteProperty(view, 'get'), false, `${name}.get cannot be deleted`);
    assert.is(Reflect.get(view, 'set'), undefined);
  }
  assert.is(Reflect.set(store, 'activeCall$', { get: () => undefined }), false);
  assert.is(Reflect.set(store, 'extra', 1), false);
  const call = store.activeCall$.get();
  assert.ok(call, 'the active call is still there');
  assert.is(store.getCurrentValue(store.activeCall$), call);
  assert.is(store.connectedUser$.get()?.id, 'alice');
  // Participant lists cannot be changed through the views either.
  const list = store.participants$.get();
  assert.is(Reflect.set(list, 'size', 0), false);
  assert.ok(Object.isFrozen(list.toArray()));
  assert.throws(() => Reflect.apply(Array.prototype.push, list.toArray(), [{}]), TypeError);
  assert.is(list.size, 1);
  // notify and off on a view do nothing to the store.
  const notify: unknown = Reflect.get(store.activeCall$, 'notify');
  if (typeof notify !== 'function') return assert.unreachable('the view has no notify()');
  Reflect.apply(notify, store.activeCall$, []);
  assert.is(store.activeCall$.get(), call);
  // Subscribing still works through the views.
  const seen: boolean[] = [];
  const stop = store.callRecordingInProgress$.listen((v) => void seen.push(v));
  const recorded = nextEvent(alice, 'call.recording_started');
  await alice.startRecording(call.data.id, 'default');
  await recorded;
  stop();
  assert.equal(seen, [true]);
});

test.run();
