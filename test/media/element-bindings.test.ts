/**
 * Element bindings (src/media/element-bindings.ts), in Node with fakes for the DOM's media
 * elements and observers: a bound element plays its participant's stream and follows it; a
 * video element asks for its size in device pixels, for nothing while hidden, off screen or
 * in a hidden page; overrides win over sizes (a hidden element still gets nothing); one's own
 * tracks ask for nothing; unbinding clears the element and forgets its size.
 */
import { atom } from 'nanostores';
import * as assert from 'uvu/assert';
import { suite } from 'uvu';
import type { CallMedia, VideoDimension } from '../../src/media/call-media';
import { ElementBindings, type BoundElement } from '../../src/media/element-bindings';
import { TrackType } from '../../src/media/track-type';
import { ParticipantTable, type ParticipantList } from '../../src/store/participant-table';
import { FakeWebRtc } from '../helpers/fake-webrtc';

/** A fake media element: what the bindings use of one (srcObject and play()). */
class FakeElement implements BoundElement {
  srcObject: MediaProvider | null = null;
  plays = 0;
  play(): Promise<void> {
    this.plays++;
    return Promise.resolve();
  }
}

/** Fake observers: a test calls `fire` to report a size or a visibility. */
const observers = new Map<unknown, { resize?: (w: number, h: number) => void; visible?: (on: boolean) => void }>();
class FakeResizeObserver {
  constructor(private readonly cb: (entries: { contentRect: { width: number; height: number } }[]) => void) {}
  observe(el: unknown) {
    observers.set(el, { ...observers.get(el), resize: (width, height) => this.cb([{ contentRect: { width, height } }]) });
  }
  disconnect() {}
}
class FakeIntersectionObserver {
  constructor(private readonly cb: (entries: { isIntersecting: boolean }[]) => void) {}
  observe(el: unknown) {
    observers.set(el, { ...observers.get(el), visible: (isIntersecting) => this.cb([{ isIntersecting }]) });
  }
  disconnect() {}
}
const g = globalThis as Record<string, unknown>;
g.ResizeObserver = FakeResizeObserver;
g.IntersectionObserver = FakeIntersectionObserver;
g.devicePixelRatio = 2;

interface Ctx {
  table: ParticipantTable;
  list: ReturnType<typeof atom<ParticipantList>>;
  told: [string, TrackType, VideoDimension | undefined][];
  bindings: ElementBindings;
}
const test = suite<Ctx>('element bindings', {} as Ctx);

/** A stream of the fake WebRTC (its documented seam: typed as the SDK's `MediaStream`). */
const rtc = new FakeWebRtc();
const stream = () => rtc.mediaStream('video');

test.before.each((ctx) => {
  ctx.table = new ParticipantTable();
  ctx.list = atom<ParticipantList>(ctx.table.snapshot().all);
  ctx.told = [];
  const media: Pick<CallMedia, 'setVideoPreference'> = { setVideoPreference: (s, t, size) => void ctx.told.push([s, t, size]) };
  ctx.bindings = new ElementBindings(media, ctx.list, () => {});
  ctx.table.setLocalSession('me');
  for (const id of ['me', 'alice', 'bob'])
    ctx.table.upsert({
      sessionId: id,
      userId: id,
      user: { id, name: id, imageUrl: '', role: 'user', custom: undefined },
      role: 'member',
      joinedAt: new Date(0),
      publishedTracks: [],
    });
  publish(ctx);
});
test.after.each((ctx) => ctx.bindings.close());

/** Publishes the table's change to the store, as the SDK's store does. */
function publish(ctx: Ctx): void {
  ctx.list.set(ctx.table.snapshot().all);
}

test("a bound element plays its participant's stream and follows it; unbinding clears it", (ctx) => {
  const el = new FakeElement();
  const unbind = ctx.bindings.bindVideo(el, 'alice', TrackType.VIDEO);
  assert.is(el.srcObject, null);
  const first = stream();
  ctx.table.setMedia('alice', { videoStream: first });
  publish(ctx);
  assert.is(el.srcObject, first);
  assert.is(el.plays, 1);
  const second = stream();
  ctx.table.setMedia('alice', { videoStream: second });
  publish(ctx);
  assert.is(el.srcObject, second);
  unbind();
  assert.is(el.srcObject, null);
});

test('a video element asks for its size in device pixels, nothing while off screen; unbinding forgets it', (ctx) => {
  const el = new FakeElement();
  const unbind = ctx.bindings.bindVideo(el, 'alice', TrackType.VIDEO);
  assert.equal(ctx.told, [], 'no size measured yet: no preference');
  observers.get(el)!.resize!(160, 90);
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, { width: 320, height: 180 }]);
  observers.get(el)!.visible!(false);
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, { width: 0, height: 0 }]);
  observers.get(el)!.visible!(true);
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, { width: 320, height: 180 }]);
  const count = ctx.told.length;
  observers.get(el)!.resize!(160, 90);
  assert.is(ctx.told.length, count, 'the same size is not said twice');
  unbind();
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, undefined]);
});

test('the largest visible element wins; an override wins over sizes, for one participant or all, newcomers too', (ctx) => {
  const [small, large] = [new FakeElement(), new FakeElement()];
  ctx.bindings.bindVideo(small, 'alice', TrackType.VIDEO);
  ctx.bindings.bindVideo(large, 'alice', TrackType.VIDEO);
  observers.get(small)!.resize!(80, 45);
  observers.get(large)!.resize!(640, 360);
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, { width: 1280, height: 720 }]);
  ctx.bindings.setPreferredResolution({ width: 320, height: 180 }, ['alice']);
  assert.equal(ctx.told.at(-1), ['alice', TrackType.VIDEO, { width: 320, height: 180 }]);
  ctx.bindings.setPreferredResolution({ width: 640, height: 360 });
  assert.ok(
    ctx.told.some(([s, , size]) => s === 'bob' && size?.width === 640),
    'bob, with no element, gets the override for everyone',
  );
  assert.not.ok(
    ctx.told.some(([s]) => s === 'me'),
    "one's own video asks for nothing",
  );
  ctx.table.upsert({ sessionId: 'carol', userId: 'carol', user: { id: 'carol' } as never, role: 'member', joinedAt: new Date(0), publishedTracks: [] });
  publish(ctx);
  assert.equal(ctx.told.at(-1), ['carol', TrackType.VIDEO, { width: 640, height: 360 }]);
  // A hidden element still gets nothing, whatever the override.
  observers.get(small)!.visible!(false);
  observers.get(large)!.visible!(false);
  assert.equal(ctx.told.filter(([s]) => s === 'alice').at(-1), ['alice', TrackType.VIDEO, { width: 0, height: 0 }]);
  ctx.bindings.setPreferredResolution(undefined);
  assert.ok(
    ctx.told.some(([s, , size]) => s === 'bob' && size === undefined),
    'bob back to no preference',
  );
});

test('an audio element plays the microphone and asks for no size', (ctx) => {
  const el = new FakeElement();
  ctx.bindings.bindAudio(el, 'bob');
  const mic = stream();
  ctx.table.setMedia('bob', { audioStream: mic });
  publish(ctx);
  assert.is(el.srcObject, mic);
  assert.equal(ctx.told, []);
});

test.run();
