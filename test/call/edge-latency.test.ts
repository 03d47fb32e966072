/**
 * Edge latency probes against a hostile edge: a 300 MB answer to a latency probe is not read
 * (issue 14, item 6). The time is taken to the answer's headers and the body is cancelled at
 * once, so the edge sees the client go away after a few socket buffers, not 300 MB.
 */
import * as assert from 'uvu/assert';
import { StreamVideoClient } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { closedAfterEach, startHostileHub, startHugeHttp } from '../helpers/hostile';
import { fileSuite, until } from '../helpers/common';

const test = fileSuite(import.meta.url);
const { servers, clients } = closedAfterEach(test);

const MB = 1024 * 1024;

test('a latency probe answered with 300 MB: measured from the headers, the body cancelled after a few MB', async () => {
  const { http: edge, answers: probes } = await startHugeHttp(300 * MB);
  servers.push(edge);
  const hub = await startHostileHub({ connectionOk: { edges: [{ name: 'huge', latencyUrl: `${edge.url}/latency/huge` }] } });
  servers.push(hub);
  const client = new StreamVideoClient('key', { baseUrl: 'http://127.0.0.1:9', wsUrl: hub.url, logger: () => {} });
  clients.push(client);
  const rssBefore = process.memoryUsage().rss; // reported, not asserted: other suites share the process

  await client.connectUser({ id: 'alice' }, 'any-token');
  // two samples per edge, each ended by the client
  await edge.until(() => probes.length === 2, 'both probes to end');
  await until(() => inspectClient(client).edgeLatency['huge'] !== undefined, 'the measurement');

  console.log(
    `  edge probe: ${probes.map((p) => (p.written / MB).toFixed(1)).join(' and ')} MB written of 300 MB, RSS +${((process.memoryUsage().rss - rssBefore) / MB).toFixed(0)} MB`,
  );
  assert.is(edge.requests.length, 2);
  for (const p of probes) {
    assert.is(p.finished, false, 'the client went away before the body ended');
    assert.ok(p.written < 32 * MB, `bytes the edge could write before the client went away: ${(p.written / MB).toFixed(1)} MB`);
  }
  assert.is(inspectClient(client).edgeLatency['huge'].measurementsSeconds.length, 2, 'both samples count: the answer was a 200');
});

test.run();
