/**
 * The network the test run's media may use (issue 28). `npm test` runs every test file inside
 * a network namespace of its own (scripts/in-netns.sh): loopback and a veth pair, `v0` with
 * 10.255.0.1. An SFU set to `ice_enforce_list = testNetns.interface` and Chromium then meet on
 * that address, and no packet leaves the machine. Without a namespace (not root, or a file run
 * alone with `npx tsx`), `testNetns` is undefined and the tests run on the host.
 *
 * ```ts
 * const janusNat = testNetns ? { ice_enforce_list: testNetns.interface } : {};
 * assert.ok(isLocalMediaAddress('10.255.0.1'));
 * ```
 */
import { networkInterfaces } from 'node:os';

/** The namespace's interface and its address, as scripts/in-netns.sh exports them. */
export interface TestNetns {
  /** The interface media uses inside the namespace (`v0`): Janus's `ice_enforce_list`. */
  readonly interface: string;
  /** Its IPv4 address (`10.255.0.1`). */
  readonly address: string;
}

const { TEST_NETNS_INTERFACE: iface, TEST_NETNS_ADDRESS: address } = process.env;

/** The test run's network namespace, or `undefined` when the tests run on the host. */
export const testNetns: TestNetns | undefined = iface && address ? { interface: iface, address } : undefined;

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\./.test(ip);
}

/**
 * Whether media to or from `ip` stays on this machine and within the test run's network:
 * loopback, or the namespace's own address. On the host (no namespace) this machine's own
 * interface addresses count too: the kernel delivers them locally, as it does for loopback.
 */
export function isLocalMediaAddress(ip: string): boolean {
  if (isLoopback(ip)) return true;
  if (testNetns) return ip === testNetns.address;
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === ip));
}
