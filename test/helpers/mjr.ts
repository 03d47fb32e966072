/**
 * Janus recordings (`.mjr`, version 2) written by hand, for tests of the post-processing that
 * need no SFU: a header (`MJR00002`, its length, its JSON) and RTP packets, each behind
 * `MEET`, its arrival in ms and its length.
 *
 * ```ts
 * await writeOpusMjr(join(rawFolder, 'videoroom-1-user-7-1700000000000000-audio-0.mjr'), Date.now() * 1000, 100); // 2 s
 * ```
 */
import { writeFile } from 'node:fs/promises';

/** Opus's shortest packet: one 20 ms frame of silence (TOC 0xf8, then 0xff 0xfe). */
const OPUS_SILENCE = [0xf8, 0xff, 0xfe];

/** Writes an Opus recording of `packets` 20 ms packets (payload type 111) whose first arrived at `firstPacketUs` (epoch µs). */
export async function writeOpusMjr(path: string, firstPacketUs: number, packets: number): Promise<void> {
  const header = Buffer.from(JSON.stringify({ t: 'a', c: 'opus', d: 'audio', s: firstPacketUs, u: firstPacketUs }));
  const length = Buffer.alloc(2);
  length.writeUInt16BE(header.length);
  const parts = [Buffer.from('MJR00002'), length, header];
  for (let i = 0; i < packets; i++) {
    const rtp = Buffer.alloc(12 + OPUS_SILENCE.length);
    rtp[0] = 0x80; // version 2
    rtp[1] = 111;
    rtp.writeUInt16BE(i & 0xffff, 2);
    rtp.writeUInt32BE(i * 960, 4); // 20 ms at 48 kHz
    rtp.writeUInt32BE(0x5eed, 8);
    rtp.set(OPUS_SILENCE, 12);
    const frame = Buffer.alloc(10);
    frame.write('MEET', 0);
    frame.writeUInt32BE(i * 20, 4);
    frame.writeUInt16BE(rtp.length, 8);
    parts.push(frame, rtp);
  }
  await writeFile(path, Buffer.concat(parts));
}
