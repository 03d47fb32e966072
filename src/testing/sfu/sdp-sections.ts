/** One media section (m-line) of an SDP, as far as the SFU relay reads it. */
export interface SdpSection {
  /** `audio`, `video`, `application`... */
  readonly kind: string;
  /** The section's `a=mid`, or `''` when it has none. */
  readonly mid: string;
  /** `sendrecv` (the default), `sendonly`, `recvonly` or `inactive`. */
  readonly direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** False for a rejected section (port 0). */
  readonly enabled: boolean;
}

const DIRECTIONS = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/**
 * The media sections of an SDP, in order (RFC 8866: an `m=` line starts a section; a
 * direction attribute at session level applies to every section without its own).
 *
 * ```ts
 * sdpSections(offer.sdp).filter((s) => s.enabled && sends(s)); // what an offer would send
 * ```
 */
export function sdpSections(sdp: string): SdpSection[] {
  const sections: { kind: string; mid: string; direction?: SdpSection['direction']; enabled: boolean }[] = [];
  let sessionDirection: SdpSection['direction'] = 'sendrecv';
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const current = sections[sections.length - 1];
    if (line.startsWith('m=')) {
      const [kind = '', port = '0'] = line.slice(2).split(' ');
      sections.push({ kind, mid: '', enabled: port !== '0' });
    } else if (line.startsWith('a=mid:')) {
      if (current) current.mid = line.slice(6).trim();
    } else if (line.startsWith('a=') && DIRECTIONS.has(line.slice(2))) {
      const direction = line.slice(2) as SdpSection['direction'];
      if (current) current.direction = direction;
      else sessionDirection = direction;
    }
  }
  return sections.map((s) => ({ kind: s.kind, mid: s.mid, enabled: s.enabled, direction: s.direction ?? sessionDirection }));
}

/** Whether a section sends media from the side that wrote the SDP. */
export function sends(section: SdpSection): boolean {
  return section.enabled && (section.direction === 'sendrecv' || section.direction === 'sendonly');
}
