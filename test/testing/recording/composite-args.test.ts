/**
 * The composite's layout and its ffmpeg arguments: the grid's cells, where each track goes,
 * how offsets become delays or cuts, and silence when nobody spoke.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compositeArgs, gridCells, type CompositeInput } from '../../../src/testing/recording/composite-args';

const FRAME = { width: 1280, height: 720, frameRate: 15, durationSeconds: 20 };

/** The filter graph of an ffmpeg argument list, split at its `;`. */
function graphOf(args: string[]): string[] {
  return args[args.indexOf('-filter_complex') + 1].split(';');
}

test('gridCells: one video fills the frame; three make a centred 2x2 grid; five, 3x2; sizes are even', () => {
  assert.equal(gridCells(0, 1280, 720), []);
  assert.equal(gridCells(1, 1280, 720), [{ x: 0, y: 0, width: 1280, height: 720 }]);
  assert.equal(gridCells(3, 1280, 720), [
    { x: 0, y: 0, width: 640, height: 360 },
    { x: 640, y: 0, width: 640, height: 360 },
    { x: 0, y: 360, width: 640, height: 360 },
  ]);
  const five = gridCells(5, 1000, 600);
  assert.equal(
    five.map((c) => [c.x, c.y]),
    [
      [2, 0],
      [334, 0],
      [666, 0],
      [2, 300],
      [334, 300],
    ],
  );
  for (const c of gridCells(7, 1278, 718)) assert.ok(c.width % 2 === 0 && c.height % 2 === 0 && c.x % 2 === 0 && c.y % 2 === 0, JSON.stringify(c));
});

test('compositeArgs: each video in its feed cell from its offset, each audio delayed and mixed, VP8 and Opus in WebM', () => {
  const inputs: CompositeInput[] = [
    { feed: 'a', kind: 'audio', path: '/r/a.opus', offsetSeconds: 0.5 },
    { feed: 'a', kind: 'video', path: '/r/a.webm', offsetSeconds: 0.5 },
    { feed: 'b', kind: 'video', path: '/r/b.webm', offsetSeconds: 4.25 },
    { feed: 'b', kind: 'audio', path: '/r/b.opus', offsetSeconds: 4.25 },
    // The same publisher again (it published anew): its cell.
    { feed: 'a', kind: 'video', path: '/r/a2.webm', offsetSeconds: 12 },
  ];
  const args = compositeArgs(inputs, FRAME, '/r/out.webm');
  assert.equal(
    args.filter((_, i) => args[i - 1] === '-i'),
    inputs.map((t) => t.path),
  );
  const graph = graphOf(args);
  assert.is(graph[0], 'color=c=black:s=1280x720:r=15:d=20.000000[base]');
  assert.ok(graph.includes('[0:a]asetpts=PTS-STARTPTS,adelay=500:all=1[a0]'));
  assert.ok(graph.includes('[3:a]asetpts=PTS-STARTPTS,adelay=4250:all=1[a3]'));
  assert.ok(graph.some((f) => f.startsWith('[1:v]setpts=PTS-STARTPTS+0.500000/TB,fps=15,scale=640:720:')));
  assert.ok(graph.includes('[base][v1]overlay=0:0:eof_action=pass[o1]'));
  assert.ok(graph.includes('[o1][v2]overlay=640:0:eof_action=pass[o2]'));
  assert.ok(graph.includes('[o2][v4]overlay=0:0:eof_action=pass[o4]'), 'the second video of feed a in its cell');
  assert.ok(graph.includes('[o4]format=yuv420p[vout]'));
  assert.ok(graph.some((f) => f.startsWith('[a0][a3]amix=inputs=2:duration=longest:normalize=0,')));
  assert.equal(args.slice(args.indexOf('-t'), args.indexOf('-t') + 2), ['-t', '20.000000']);
  assert.equal(args.slice(args.indexOf('-c:v'), args.indexOf('-c:v') + 2), ['-c:v', 'libvpx']);
  assert.equal(args.slice(args.indexOf('-c:a'), args.indexOf('-c:a') + 2), ['-c:a', 'libopus']);
  assert.equal(args.slice(-3), ['-f', 'webm', '/r/out.webm']);
});

test('compositeArgs: a track that began before the recording is cut; no audio at all is silence; no video a black frame', () => {
  const early = graphOf(compositeArgs([{ feed: 'a', kind: 'video', path: 'v.webm', offsetSeconds: -0.25 }], FRAME, 'o.webm'));
  assert.ok(early.some((f) => f.startsWith('[0:v]trim=start=0.250000,setpts=PTS-STARTPTS+0.000000/TB,')));
  assert.ok(early.includes('anullsrc=r=48000:cl=stereo,atrim=duration=20.000000[aout]'));
  const earlyAudio = graphOf(compositeArgs([{ feed: 'a', kind: 'audio', path: 'a.opus', offsetSeconds: -1 }], FRAME, 'o.webm'));
  assert.ok(earlyAudio.includes('[0:a]atrim=start=1.000000,asetpts=PTS-STARTPTS,adelay=0:all=1[a0]'));
  assert.ok(earlyAudio.includes('[base]format=yuv420p[vout]'));
});

test.run();
