import type { MessageKey } from '../i18n/index.ts';
import { EXTENSION_PATTERN } from '../sip/phone-agent.ts';

/**
 * What the dial box accepts: an extension as the admin API allows it
 * (EXTENSION_PATTERN, `^[0-9]{2,8}$` as in src/admin-api/routes/schemas.ts), and not one's own. Anything
 * else is refused here, with the reason in words, before a request is sent: letters never
 * reach the server, and calling oneself would only come back as a 482 Loop Detected from
 * one's own registration (RFC 3261 §8.2.2.2).
 */
export type DialTarget = { ok: true; extension: string } | { ok: false; error: MessageKey };

export function dialTarget(input: string, ownExtension: string | null): DialTarget {
  const value = input.trim();
  if (value === '') return { ok: false, error: 'dial.error.empty' };
  if (!/^[0-9]+$/.test(value)) return { ok: false, error: 'dial.error.digits' };
  if (!EXTENSION_PATTERN.test(value)) return { ok: false, error: 'dial.error.length' };
  if (value === ownExtension) return { ok: false, error: 'dial.error.self' };
  return { ok: true, extension: value };
}
