/**
 * TURN credentials and URLs come from STACK's media-relay (one implementation for coturn's
 * config and the API). The admin API issues them only for ACTIVE accounts, one database row
 * per credential (src/media-relay/credential-store.ts); revoking an account deletes its rows,
 * so coturn refuses them at once, and cancels its relay sessions.
 */
import type { IssuedTurnCredential } from '../../media-relay/credential-store.ts';

export { turnUrls } from '../../media-relay/index.ts';

/** The RTCIceServer-shaped part of an issued credential the softphone gets. */
export function softphoneTurnCredential(c: IssuedTurnCredential): { username: string; credential: string; ttl: number } {
  return { username: c.username, credential: c.credential, ttl: c.ttl };
}
