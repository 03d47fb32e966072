/**
 * The token never shows: the demo scenario (scripts/demo.ts: Alice rings Bob, Bob accepts,
 * both join, Bob asks to share his screen, Alice grants it and records, Carol's call is
 * queried, everyone leaves) runs in-process with a capturing logger at every level on every
 * client, plus failures on purpose (refused RPCs, a bad, an expired and a foreign token at
 * connect, a failing provider, a dropped socket, an expired token refreshed), while every URL
 * requested (`globalThis.fetch`, and the WebSocket constructor given in `opts.WebSocket`) and
 * every error thrown is recorded. No token (whole, or its payload or signature part), and no
 * `Bearer`, may appear in any URL, log line or error; the token travels in the Authorization
 * header only.
 */
import * as assert from 'uvu/assert';
import { WebSocket as WsWebSocket } from 'ws';
import { CALL_CONFIG, StreamVideoClient, type Call, type StreamEventName } from '../../src/index-node';
import { LocalCoordinator, webSocketOf } from '../../src/testing';
import { describe } from '../helpers/channel';
import { fileSuite, until } from '../helpers/common';

const test = fileSuite(import.meta.url);

test('the demo scenario and failures on purpose: no token in any URL, log line or error', async () => {
  const urls: string[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  const tokens = new Set<string>();
  /** Where each token was seen in a request: it must be the Authorization header only. */
  const leaksInRequests: string[] = [];

  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    urls.push(`fetch ${init?.method ?? 'GET'} ${url}`);
    const headers = new Headers(init?.headers);
    for (const [name, value] of headers) if (name !== 'authorization') logs.push(`request header ${name}: ${value}`);
    const auth = headers.get('authorization');
    if (auth !== null && !/^Bearer [^\s]+$/.test(auth)) leaksInRequests.push(`an Authorization header of another form: ${auth.slice(0, 12)}…`);
    if (typeof init?.body === 'string') logs.push(`request body ${init.body}`);
    else if (init?.body instanceof Uint8Array) logs.push(`request body ${Buffer.from(init.body).toString('latin1')}`);
    return realFetch(input, init);
  };

  const RecordingWebSocket = webSocketOf((url) => {
    urls.push(`websocket ${url}`);
    return new WsWebSocket(url);
  });

  const coordinator = await LocalCoordinator.start({
    host: '127.0.0.1',
    port: 0,
    onError: (err, where) => errors.push(`coordinator ${where}: ${describe(err)}`),
  });
  const mint = async (userId: string, options?: { expiresInSeconds?: number }) => {
    const token = await coordinator.createToken(userId, options);
    tokens.add(token);
    return token;
  };
  const clients: StreamVideoClient[] = [];
  const make = (name: string) => {
    const client = new StreamVideoClient(
      coordinator.apiKey,
      {
        baseUrl: coordinator.baseUrl,
        WebSocket: RecordingWebSocket,
        logger: (level, message, extra) => logs.push(`${name} ${level} ${message} ${JSON.stringify(extra ?? {})}`),
        logLevel: 'debug',
        reconnectPolicy: undefined,
        timeouts: { connectMs: 3000, handshakeMs: 1000 },
      },
      CALL_CONFIG.ring,
    );
    client.on('*', (e) => logs.push(`${name} event ${JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`));
    clients.push(client);
    return client;
  };
  /** Runs `action`; a failure is recorded (and rethrown when `expectFailure` is false). */
  const step = async <T>(what: string, action: () => Promise<T>, expectFailure = false): Promise<T | undefined> => {
    try {
      const result = await action();
      if (expectFailure) assert.unreachable(`${what}: expected a failure`);
      return result;
    } catch (err) {
      errors.push(`${what}: ${describe(err)}`);
      if (!expectFailure) throw err;
      return undefined;
    }
  };
  const next = (client: StreamVideoClient, name: StreamEventName) =>
    new Promise<void>((resolve) => {
      const off = client.on(name, () => {
        off();
        resolve();
      });
    });

  try {
    const alice = make('alice');
    const bob = make('bob');
    const carol = make('carol');
    await step('alice connects', () => alice.connectUser({ id: 'alice', name: 'Alice' }, () => mint('alice', { expiresInSeconds: 3600 })));
    // bob's provider hands out an expired token first: the SDK must refresh, quietly
    let bobCalls = 0;
    await step('bob connects', () => bob.connectUser({ id: 'bob', name: 'Bob' }, () => mint('bob', { expiresInSeconds: bobCalls++ === 0 ? -60 : 3600 })));
    await step('carol connects', () => carol.connectUser({ id: 'carol', name: 'Carol' }, () => mint('carol', { expiresInSeconds: 3600 })));

    // The demo.
    const rung = next(bob, 'call.ring');
    await step('alice rings bob', () => alice.getOrCreateCall('demo-call', 'default', { members: [{ userId: 'bob' }], ring: true }));
    await rung;
    const acceptedSeen = next(alice, 'call.accepted');
    const bobCall = (await step('bob accepts', () => bob.acceptCall('demo-call', 'default'))) as Call;
    await acceptedSeen;
    const aliceJoinedSeen = next(bob, 'call.participant_joined');
    const aliceCall = (await step('alice joins', () => alice.joinCall('demo-call', 'default'))) as Call;
    await aliceJoinedSeen;
    for (const call of [aliceCall, bobCall]) tokens.add(call.credentials.token); // the edge tokens must not leak either
    const requestSeen = next(alice, 'call.permission_request');
    await step('bob asks for screenshare', () => bob.requestCallPermissions('demo-call', 'default', { permissions: ['screenshare'] }));
    await requestSeen;
    const grantSeen = next(bob, 'call.permissions_updated');
    await step('alice grants it', () => alice.updateUserPermissions('demo-call', 'default', { userId: 'bob', grantPermissions: ['screenshare'] }));
    await grantSeen;
    const recordingSeen = next(bob, 'call.recording_started');
    await step('alice records', () => alice.startRecording('demo-call', 'default'));
    await recordingSeen;
    const stoppedSeen = next(bob, 'call.recording_stopped');
    await step('alice stops recording', () => alice.stopRecording('demo-call', 'default'));
    await stoppedSeen;
    await step('carol creates her call', () =>
      carol.getOrCreateCall('carol-standup', 'default', { members: [{ userId: 'dave' }, { userId: 'alice' }], ring: false }),
    );
    const found = await step("alice queries carol's calls", () =>
      alice.queryCalls({ created_by_user_id: 'carol' }, [{ field: 'created_at', direction: -1 }], 10),
    );
    assert.is(found!.calls.length, 1);

    // Failures on purpose: refused by the server, refused by the SDK, a dropped socket.
    await step('carol records a call she is not in', () => carol.startRecording('demo-call', 'default'), true);
    await step('carol answers a ring that is not hers', () => carol.acceptCall('demo-call', 'default'), true);
    await step('a filter the server refuses', () => bob.queryCalls({ nope: 1 }, []), true);
    await step('a role the server refuses', () => alice.getOrCreateCall('bad-role', 'default', { members: [{ userId: 'bob', role: 'boss' }] }), true);
    await step('an id the SDK refuses', () => alice.startRecording('not valid', 'default'), true);
    await step('a call that does not exist', () => bob.stopRecording('no-such-call', 'default'), true);
    const socketsBefore = urls.filter((u) => u.startsWith('websocket')).length;
    coordinator.hub.faults.dropUser('carol');
    await until(
      () => urls.filter((u) => u.startsWith('websocket')).length > socketsBefore && carol.readOnlyStateStore.connectionState$.get() === 'connected',
      'carol reconnected',
    );

    // Connects that fail: a bad token, an expired one, one for another user, a failing provider.
    const badToken = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"user_id":"mallory"}').toString('base64url')}.c2lnbmF0dXJlLXRoYXQtaXMtd3Jvbmc`;
    tokens.add(badToken);
    await step('connect with a bad token', () => make('mallory1').connectUser({ id: 'mallory' }, badToken), true);
    await step(
      'connect with an expired token',
      async () => make('mallory2').connectUser({ id: 'mallory' }, await mint('mallory', { expiresInSeconds: -30 })),
      true,
    );
    await step(
      'connect with a token for alice as mallory',
      async () => make('mallory3').connectUser({ id: 'mallory' }, await mint('alice', { expiresInSeconds: 120 })),
      true,
    );
    await step(
      'connect with a provider that fails',
      () =>
        make('mallory4').connectUser({ id: 'mallory' }, async () => {
          throw new Error('no token today');
        }),
      true,
    );
    await step(
      'connect with a provider that keeps returning expired tokens',
      () => make('mallory5').connectUser({ id: 'mallory' }, () => mint('mallory', { expiresInSeconds: -5 })),
      true,
    );

    // The end of the demo.
    const bobLeftSeen = next(alice, 'call.participant_left');
    await step('bob leaves', () => bobCall.leave());
    await bobLeftSeen;
    await step('alice leaves', () => aliceCall.leave());
  } finally {
    await Promise.all(clients.map((c) => c.disconnectUser().catch((err: unknown) => errors.push(`disconnect: ${describe(err)}`))));
    await coordinator.close();
    globalThis.fetch = realFetch;
  }

  assert.ok(tokens.size >= 10, `tokens checked: ${tokens.size}`);
  assert.ok(urls.some((u) => u.startsWith('websocket')) && urls.some((u) => u.includes('/twirp/')), 'URLs were recorded');
  assert.ok(errors.length >= 11, `errors recorded: ${errors.length}`);
  assert.ok(
    logs.some((l) => / (debug|info|warn) /.test(l)),
    'log lines were recorded',
  );
  assert.equal(leaksInRequests, []);
  const corpus = [...urls.map((u) => `url: ${u}`), ...logs.map((l) => `log: ${l}`), ...errors.map((e) => `error: ${e}`)];
  for (const token of tokens) {
    const [, payload = token, signature = token] = token.split('.');
    for (const piece of [token, payload, signature].filter((p) => p.length >= 8)) {
      const hit = corpus.find((line) => line.includes(piece));
      assert.not.ok(hit, `a token (or a part of one) appears in: ${hit?.slice(0, 300)}`);
    }
  }
  const bearer = corpus.find((line) => /bearer/i.test(line));
  assert.not.ok(bearer, `"Bearer" appears in: ${bearer?.slice(0, 300)}`);
  for (const u of urls) assert.not.ok(/[?&](token|access_token|auth|authorization)=/i.test(u), `a credential in a URL: ${u}`);
  console.log(
    `security: ${tokens.size} tokens checked against ${urls.length} URLs, ${logs.length} log lines and request headers/bodies, ${errors.length} errors`,
  );
});

test.run();
