/** One converted track of a recording: a publisher's WebM video or Opus audio, and where it starts. */
export interface CompositeInput {
  /** The publisher's feed: its video goes to one cell of the grid. */
  readonly feed: string;
  readonly kind: 'audio' | 'video';
  /** The WebM (video) or Opus (audio) file `janus-pp-rec` made. */
  readonly path: string;
  /** When it starts, in seconds from the recording's start (negative: it started before, and is cut). */
  readonly offsetSeconds: number;
}

/** The composite's frame: size, rate, and its length in seconds. */
export interface CompositeFrame {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly durationSeconds: number;
}

/** A cell of the grid: its top-left corner and size, in pixels. */
export interface GridCell {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * The cells of a grid of `count` videos in a `width` x `height` frame: as many columns as the
 * square root rounded up, as few rows as hold them, every cell the same size (even numbers of
 * pixels), the grid centred, filled row by row.
 */
export function gridCells(count: number, width: number, height: number): GridCell[] {
  if (count <= 0) return [];
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const cellWidth = evenFloor(width / cols);
  const cellHeight = evenFloor(height / rows);
  const left = evenFloor((width - cols * cellWidth) / 2);
  const top = evenFloor((height - rows * cellHeight) / 2);
  return Array.from({ length: count }, (_, i) => ({
    x: left + (i % cols) * cellWidth,
    y: top + Math.floor(i / cols) * cellHeight,
    width: cellWidth,
    height: cellHeight,
  }));
}

function evenFloor(n: number): number {
  return Math.max(0, Math.floor(n / 2) * 2);
}

/** Seconds as ffmpeg reads them, to the microsecond. */
function seconds(s: number): string {
  return (Math.round(s * 1e6) / 1e6).toFixed(6);
}

/**
 * The arguments of the `ffmpeg` run that composes a recording into one WebM file: a black
 * frame of the recording's length; each publisher's video scaled into its grid cell (aspect
 * kept, letterboxed), shown from its offset until it ends; every audio track delayed to its
 * offset and mixed (silence when there is none); VP8 and Opus. Videos of one feed (a
 * publisher that published again) share its cell.
 *
 * ```ts
 * const args = compositeArgs(inputs, { width: 1280, height: 720, frameRate: 15, durationSeconds: 20 }, 'out.webm');
 * await runTool('ffmpeg', args, signal, 'compose the recording');
 * ```
 */
export function compositeArgs(inputs: readonly CompositeInput[], frame: CompositeFrame, output: string): string[] {
  const { width, height, frameRate, durationSeconds } = frame;
  const duration = seconds(durationSeconds);
  const feeds = [...new Set(inputs.filter((t) => t.kind === 'video').map((t) => t.feed))];
  const cells = new Map(gridCells(feeds.length, width, height).map((cell, i) => [feeds[i], cell]));
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  for (const t of inputs) args.push('-i', t.path);
  const graph: string[] = [`color=c=black:s=${width}x${height}:r=${frameRate}:d=${duration}[base]`];
  let video = 'base';
  const audio: string[] = [];
  inputs.forEach((t, i) => {
    const start = t.offsetSeconds >= 0 ? '' : `trim=start=${seconds(-t.offsetSeconds)},`;
    const shift = seconds(Math.max(0, t.offsetSeconds));
    if (t.kind === 'video') {
      const cell = cells.get(t.feed)!;
      const fit = `scale=${cell.width}:${cell.height}:force_original_aspect_ratio=decrease,pad=${cell.width}:${cell.height}:(ow-iw)/2:(oh-ih)/2`;
      graph.push(`[${i}:v]${start}setpts=PTS-STARTPTS+${shift}/TB,fps=${frameRate},${fit},setsar=1[v${i}]`);
      graph.push(`[${video}][v${i}]overlay=${cell.x}:${cell.y}:eof_action=pass[o${i}]`);
      video = `o${i}`;
    } else {
      const delayMs = Math.round(Math.max(0, t.offsetSeconds) * 1000);
      graph.push(`[${i}:a]${start.replace('trim', 'atrim')}asetpts=PTS-STARTPTS,adelay=${delayMs}:all=1[a${i}]`);
      audio.push(`[a${i}]`);
    }
  });
  graph.push(`[${video}]format=yuv420p[vout]`);
  if (audio.length === 0) {
    graph.push(`anullsrc=r=48000:cl=stereo,atrim=duration=${duration}[aout]`);
  } else {
    graph.push(
      `${audio.join('')}amix=inputs=${audio.length}:duration=longest:normalize=0,aformat=sample_rates=48000:channel_layouts=stereo,apad=whole_dur=${duration}[aout]`,
    );
  }
  const bitrate = Math.max(100, Math.round((width * height * frameRate * 0.07) / 1000));
  args.push('-filter_complex', graph.join(';'), '-map', '[vout]', '-map', '[aout]', '-t', duration);
  args.push('-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16', '-b:v', `${bitrate}k`, '-auto-alt-ref', '0');
  args.push('-c:a', 'libopus', '-b:a', '64k', '-f', 'webm', output);
  return args;
}
