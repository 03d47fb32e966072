/**
 * The Chromium behaviour behind issue 21's blank remote video, without the SDK: not a test
 * (the suite runs `*.test.ts`), a reproduction to run by hand:
 *
 *   npx tsx test/browser/rollback-freeze.repro.ts [rounds]
 *
 * Two RTCPeerConnections in one page, A (impolite) and B (polite), exchange the fake camera;
 * B's remote video plays in a <video> whose frames requestVideoFrameCallback counts, 1.5 s and
 * 3.5 s after the last negotiation. The sequences:
 *
 * - `glare-twice` (what the SDK did when both pages published camera, then microphone, right
 *   after joining): both `addTrack` the camera and offer; B rolls its offer back and takes A's
 *   (its addTrack transceiver is reused for A's m-line); then both `addTrack` the microphone
 *   and offer again, and B rolls back again. B's receiver keeps decoding, but its video track
 *   stays muted and renders nothing (or freezes after the frames it had).
 * - `glare-once`, `glare-second-only`: one of the two collisions only: it renders (after the
 *   first one, the track's `muted` stays true while it renders).
 * - `fixed-layout` (what the SDK does now): A makes an audio, a video and a screen-share
 *   transceiver, sendrecv, and offers; B answers sending on each; tracks come and go with
 *   replaceTrack only: no second offer, no rollback. It renders, and `muted` is right.
 *
 * Measured with Debian's chromium 156 on this machine: glare-twice 0 frames in 3 of 3 rounds;
 * the others 60-75 frames in 3.5 s.
 */
import { createServer } from 'node:http';
import { closeBrowser, launch, type BrowserSession } from '../helpers/browser';

const ROUNDS = Number(process.argv[2] ?? 3);
const VARIANTS = ['glare-twice', 'glare-once', 'glare-second-only', 'fixed-layout'] as const;

const html = '<!doctype html><html><body><video id="v" autoplay playsinline muted></video></body></html>';
const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const session: BrowserSession = { contexts: [] };
const browser = await launch(session, true);
const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
session.contexts.push(context);
const page = await context.newPage();
// tsx names inner functions with esbuild's __name helper, which the page lacks.
await page.addInitScript('window.__name = (f) => f;');
await page.goto(`http://127.0.0.1:${port}/`);

for (const variant of VARIANTS) {
  for (let round = 0; round < ROUNDS; round++) {
    const result = await page.evaluate(async (variant) => {
      const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const a = new RTCPeerConnection();
      const b = new RTCPeerConnection();
      a.onicecandidate = (e) => void b.addIceCandidate(e.candidate ?? undefined).catch(() => {});
      b.onicecandidate = (e) => void a.addIceCandidate(e.candidate ?? undefined).catch(() => {});
      const camA = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
      const camB = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: true });
      const video = document.getElementById('v') as HTMLVideoElement;
      let frames = 0;
      const tick = () => {
        frames++;
        video.requestVideoFrameCallback(tick);
      };
      let remote: MediaStreamTrack | undefined;
      b.ontrack = (e) => {
        if (e.track.kind !== 'video' || remote) return;
        remote = e.track;
        video.srcObject = new MediaStream([remote]);
        video.requestVideoFrameCallback(tick);
      };
      const offer = async (from: RTCPeerConnection, to: RTCPeerConnection) => {
        await from.setLocalDescription();
        await to.setRemoteDescription(from.localDescription!);
        await to.setLocalDescription();
        await from.setRemoteDescription(to.localDescription!);
      };
      /** Both have an offer of their own; B (polite) takes A's: an implicit rollback of B's. */
      const glare = async () => {
        await b.setLocalDescription();
        await a.setLocalDescription();
        await b.setRemoteDescription(a.localDescription!);
        await b.setLocalDescription();
        await a.setRemoteDescription(b.localDescription!);
      };
      const [videoA, audioA, videoB, audioB] = [camA.getVideoTracks()[0], camA.getAudioTracks()[0], camB.getVideoTracks()[0], camB.getAudioTracks()[0]];
      if (variant === 'fixed-layout') {
        const mine = ['audio', 'video', 'video'].map((kind) => a.addTransceiver(kind, { direction: 'sendrecv' }));
        await a.setLocalDescription();
        await b.setRemoteDescription(a.localDescription!);
        const theirs = b.getTransceivers();
        for (const t of theirs) t.direction = 'sendrecv';
        await b.setLocalDescription();
        await a.setRemoteDescription(b.localDescription!);
        await Promise.all([theirs[1].sender.replaceTrack(videoB), mine[1].sender.replaceTrack(videoA)]);
        await Promise.all([theirs[0].sender.replaceTrack(audioB), mine[0].sender.replaceTrack(audioA)]);
      } else {
        a.addTrack(videoA, camA);
        b.addTrack(videoB, camB);
        if (variant === 'glare-second-only') {
          await offer(a, b);
          await offer(b, a);
        } else await glare();
        b.addTrack(audioB, camB);
        a.addTrack(audioA, camA);
        if (variant === 'glare-once') {
          await offer(b, a);
          await offer(a, b);
        } else await glare();
        await offer(b, a);
      }
      await sleep(1500);
      const early = frames;
      await sleep(2000);
      const out = { frames: [early, frames], muted: remote?.muted, readyState: video.readyState };
      a.close();
      b.close();
      for (const t of [...camA.getTracks(), ...camB.getTracks()]) t.stop();
      video.srcObject = null;
      return out;
    }, variant);
    console.log(variant, round, JSON.stringify(result));
  }
}
await closeBrowser(session);
server.close();
