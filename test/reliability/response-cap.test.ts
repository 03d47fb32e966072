/**
 * RPC answers are capped (issue 14, item 6): a hostile coordinator answering an RPC with
 * 300 MB is read up to `maxResponseBytes` only, and the request fails with
 * `resource_exhausted` once, not retried; answers under the cap, binary or JSON, decode.
 */
import * as assert from 'uvu/assert';
import { QueryCallsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { StreamVideoClient, StreamVideoError } from '../../src/index-node';
import { closedAfterEach, startHostileHttp, startHostileHub, startHugeHttp, type HostileHttp } from '../helpers/hostile';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);
const { servers, clients } = closedAfterEach(test);

const MB = 1024 * 1024;

/** A client of a hostile hub whose RPCs go to `http`, connected as alice. */
async function connected(http: HostileHttp, opts: { maxResponseBytes?: number; sendJson?: boolean } = {}): Promise<StreamVideoClient> {
  const hub = await startHostileHub();
  servers.push(hub);
  const client = new StreamVideoClient('key', { twirpUrl: `${http.url}/twirp`, wsUrl: hub.url, logger: () => {}, ...opts });
  clients.push(client);
  await client.connectUser({ id: 'alice' }, 'any-token');
  return client;
}

/** What `promise` rejects with, as a StreamVideoError. */
async function failure(promise: Promise<unknown>): Promise<StreamVideoError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, StreamVideoError);
  return err as StreamVideoError;
}

for (const sendJson of [false, true]) {
  test(`a 300 MB answer (${sendJson ? 'JSON' : 'binary'}): resource_exhausted after the cap, read once, never whole`, async () => {
    const { http, answers } = await startHugeHttp(300 * MB);
    servers.push(http);
    const client = await connected(http, { maxResponseBytes: MB, sendJson });

    const err = await failure(client.queryCalls({}, []));
    assert.is(err.code, 'resource_exhausted');
    assert.equal(err.meta, { limit_bytes: String(MB) });
    await http.until(() => answers.length === 1, 'the answer to end');
    assert.is(http.requests.length, 1, 'a cut answer is not asked for again');
    assert.is(answers[0].finished, false, 'the client went away before the body ended');
    assert.ok(answers[0].written < 32 * MB, `bytes the server could write before the client went away: ${(answers[0].written / MB).toFixed(1)} MB`);
  });
}

test('an answer under the cap decodes, in binary and in JSON', async () => {
  const custom = { notes: 'x'.repeat(512 * 1024) };
  const answer = QueryCallsResponse.create({
    calls: [
      {
        call: {
          type: 'default',
          id: 'big',
          cid: 'default:big',
          custom: { fields: { notes: { kind: { oneofKind: 'stringValue', stringValue: custom.notes } } } },
        },
      },
    ],
  });
  const http = await startHostileHttp((req, res) => {
    const json = req.headers['content-type'] === 'application/json';
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/protobuf' });
    res.end(json ? QueryCallsResponse.toJsonString(answer) : QueryCallsResponse.toBinary(answer));
  });
  servers.push(http);
  for (const sendJson of [false, true]) {
    const client = await connected(http, { maxResponseBytes: MB, sendJson });
    const { calls } = await client.queryCalls({}, []);
    assert.is(calls.length, 1);
    assert.equal(calls[0].call?.custom, custom);
    await client.disconnectUser();
  }
});

test('the default cap is 8 MiB', async () => {
  const { http } = await startHugeHttp(300 * MB);
  servers.push(http);
  const client = await connected(http);
  const err = await failure(client.queryCalls({}, []));
  assert.is(err.code, 'resource_exhausted');
  assert.equal(err.meta, { limit_bytes: String(8 * MB) });
});

test.run();
