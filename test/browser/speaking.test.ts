/**
 * Audio levels, speaking and the dominant speaker in Chromium, with speech: the fake
 * microphones play a WAV (speech, then 2 s of silence, in a loop; test/helpers/speech-wav.ts).
 * alice and bob join one mesh call in pages of their own; each page's microphone goes through
 * a gate on the `opts.mediaDevices` seam (a Web Audio gain: the WAV, or silence), so that the
 * test decides who speaks.
 *
 * Every wait is a condition with a safety timeout, never a wall-clock bound on speed.
 */
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { browserSuite, mediaArgs } from '../helpers/browser';
import { openSdkPage, startSdkPageServer } from '../helpers/sdk-page';
import { speechWav } from '../helpers/speech-wav';

const ARGS = mediaArgs({ audioFile: speechWav() });
const test = browserSuite('speaking in a browser', startSdkPageServer);
/** Safety bound of a wait for speech or silence: a few loops of the WAV. */
const WAIT_MS = 30_000;

/** Resolves once the participant `sessionId` on `page` speaks (a level at the threshold at least) or is silent (level 0); returns the level. */
async function participantIs(page: Page, sessionId: string, speaking: boolean, what: string): Promise<number> {
  try {
    const handle = await page.waitForFunction(
      ([id, wanted]) => {
        const p = window.client!.readOnlyStateStore.participants$.get().get(id);
        if (!p || p.isSpeaking !== wanted) return false;
        return wanted ? p.audioLevel >= 0.05 && p.audioLevel : p.audioLevel === 0 && 'silent';
      },
      [sessionId, speaking] as const,
      { timeout: WAIT_MS, polling: 50 },
    );
    const value = await handle.jsonValue();
    return typeof value === 'number' ? value : 0;
  } catch {
    throw new Error(`timed out: ${what}`);
  }
}

async function dominantIs(page: Page, sessionId: string, what: string): Promise<void> {
  try {
    await page.waitForFunction((id) => window.client!.readOnlyStateStore.dominantSpeaker$.get()?.sessionId === id, sessionId, {
      timeout: WAIT_MS,
      polling: 50,
    });
  } catch {
    throw new Error(`timed out: ${what}`);
  }
}

test('levels follow the speech here and at the other side; the dominant speaker moves to whoever speaks, until the server names it; speaking while muted is told', async (ctx) => {
  const server = ctx.server!;
  const [alice, bob] = await Promise.all([openSdkPage(ctx, server, { args: ARGS }), openSdkPage(ctx, server, { args: ARGS })]).then((p) =>
    p.map((x) => x.page),
  );
  const [aliceSession, bobSession] = await Promise.all(
    (['alice', 'bob'] as const).map(async (userId, i) => {
      const token = await server.coordinator.createToken(userId);
      const page = [alice, bob][i];
      return page.evaluate((o) => window.join(o), { baseUrl: server.coordinator.baseUrl, userId, token, callId: 'speaking', gated: true, statsIntervalMs: 0 });
    }),
  );
  // alice speaks, bob is silent.
  await bob.evaluate(() => window.devices!.speak(false));
  for (const page of [alice, bob]) await page.evaluate(() => window.call!.microphone.enable());

  // alice's level rises while the WAV speaks and falls in its silence: in her page (her
  // microphone) and in bob's (the levels in her packets).
  const levels = await Promise.all([
    participantIs(alice, aliceSession, true, 'alice speaks, in her page').then(async (level) => [
      level,
      await participantIs(alice, aliceSession, false, 'alice falls silent, in her page'),
    ]),
    participantIs(bob, aliceSession, true, "alice speaks, in bob's page").then(async (level) => [
      level,
      await participantIs(bob, aliceSession, false, "alice falls silent, in bob's page"),
    ]),
  ]);
  for (const [level] of levels) assert.ok(level >= 0.05 && level <= 1, `a level of speech: ${level}`);
  assert.equal(
    await alice.evaluate(
      (id) => [
        window.client!.readOnlyStateStore.participants$.get().get(id)!.audioLevel,
        window.client!.readOnlyStateStore.participants$.get().get(id)!.isSpeaking,
      ],
      bobSession,
    ),
    [0, false],
    'bob is silent',
  );

  // The dominant speaker: alice, who spoke; then bob, once he speaks and she does not; silence changes nothing.
  await Promise.all([dominantIs(alice, aliceSession, 'alice dominates in her page'), dominantIs(bob, aliceSession, "alice dominates in bob's page")]);
  await alice.evaluate(() => window.devices!.speak(false));
  await bob.evaluate(() => window.devices!.speak(true));
  await Promise.all([dominantIs(bob, bobSession, 'bob dominates in his page'), dominantIs(alice, bobSession, "bob dominates in alice's page")]);
  await bob.evaluate(() => window.devices!.speak(false));
  await participantIs(alice, bobSession, false, 'bob falls silent');
  assert.is(await alice.evaluate(() => window.client!.readOnlyStateStore.dominantSpeaker$.get()?.sessionId), bobSession, 'still bob in the silence');

  // A coordinator that knows better (an SFU's talking events) sends call.dominant_speaker_changed:
  // from then on the pages follow it, whoever speaks.
  const call = server.coordinator.state.calls.get('development:speaking')!;
  server.coordinator.events.publish(call.audience(), call.cid, {
    oneofKind: 'dominantSpeakerChanged',
    dominantSpeakerChanged: { userId: 'alice', sessionId: aliceSession },
  });
  await Promise.all([
    dominantIs(alice, aliceSession, 'the server names alice, in her page'),
    dominantIs(bob, aliceSession, "the server names alice, in bob's page"),
  ]);
  await bob.evaluate(() => window.devices!.speak(true));
  await participantIs(alice, bobSession, true, 'bob speaks again');
  await participantIs(alice, bobSession, false, 'bob falls silent again');
  await bob.evaluate(() => window.devices!.speak(false));
  assert.equal(
    await Promise.all([alice, bob].map((page) => page.evaluate(() => window.client!.readOnlyStateStore.dominantSpeaker$.get()?.sessionId))),
    [aliceSession, aliceSession],
    'the server decides now',
  );

  // Muted, alice is heard nowhere (level 0, not speaking) but told that she speaks.
  await alice.evaluate(async () => {
    window.devices!.speak(true);
    await window.call!.microphone.disable();
  });
  const talked = await alice
    .waitForFunction(
      () => {
        const me = window.client!.readOnlyStateStore.localParticipant$.get()!;
        return window.call!.microphone.speakingWhileMuted$.get() && [me.audioLevel, me.isSpeaking];
      },
      undefined,
      { timeout: WAIT_MS, polling: 50 },
    )
    .then((handle) => handle.jsonValue());
  assert.equal(talked, [0, false], 'speaking while muted: told, with no level and not speaking');
  assert.is(await alice.evaluate(() => window.devices!.opened), 2, 'the microphone, then its muted listener');
  await alice.waitForFunction(() => !window.call!.microphone.speakingWhileMuted$.get(), undefined, { timeout: WAIT_MS });
  await alice.evaluate(() => window.call!.microphone.disableSpeakingWhileMutedNotification());
  assert.is(await alice.evaluate(() => window.devices!.liveTracks), 0, 'the muted listener is closed');
});

test.run();
