/**
 * TURN REST credentials and URLs come from STACK's media-relay (one implementation
 * for coturn's config and the API). The admin API mints them only for ACTIVE
 * accounts, so a revoked account gets none; credentials already handed out expire
 * after ttl and the account's relay sessions are cancelled on revoke.
 */
export { turnCredentials, turnUrls } from '../../media-relay/index.ts';
