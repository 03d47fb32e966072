import { atom, type ReadableAtom } from 'nanostores';

/**
 * The permission requests of the joined call that no one has answered yet, by user, as the
 * coordinator keeps them (`CallState.pending_permission_requests`): a user's new request
 * replaces their pending one and comes last; an answer (`call.permissions_updated` about the
 * user), the user leaving the call, or the call ending removes it. `latest$` is the newest
 * one: the store's `callPermissionRequest$`. `R` is the request event (`PermissionRequestEvent`).
 */
export class PendingPermissionRequests<R extends { readonly user?: { readonly id: string } }> {
  private readonly byUser = new Map<string, R>();
  private readonly latest = atom<R | undefined>(undefined);

  /** The newest pending request, `undefined` when none. */
  readonly latest$: ReadableAtom<R | undefined> = this.latest;

  /** Records `request` as its user's pending one (replacing an older one), the newest. */
  add(request: R): void {
    const userId = request.user?.id ?? '';
    this.byUser.delete(userId);
    this.byUser.set(userId, request);
    this.publish();
  }

  /** Forgets the pending request of `userId` (answered or withdrawn), if any. */
  remove(userId: string): void {
    if (this.byUser.delete(userId)) this.publish();
  }

  /** Whether `userId` has a pending request. */
  has(userId: string): boolean {
    return this.byUser.has(userId);
  }

  /** The pending requests, oldest first. */
  list(): R[] {
    return [...this.byUser.values()];
  }

  /** Replaces every pending request with `requests`, oldest first (a re-sync). */
  replaceAll(requests: readonly R[]): void {
    this.byUser.clear();
    for (const r of requests) this.byUser.set(r.user?.id ?? '', r);
    this.publish();
  }

  /** Forgets every request (the call was left or ended). */
  clear(): void {
    this.byUser.clear();
    this.publish();
  }

  private publish(): void {
    let newest: R | undefined;
    for (const r of this.byUser.values()) newest = r;
    if (this.latest.get() !== newest) this.latest.set(newest);
  }
}
