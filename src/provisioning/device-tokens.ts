import type { Db } from '../db/index.ts';
import { newToken, tokenHash } from '../admin-api/services/tokens.ts';

/**
 * Per-device provisioning tokens (issue 16). A token is the whole secret of a provisioning
 * URL: 256 random bits, only its SHA-256 stored (the same newToken/tokenHash as the softphone
 * and admin tokens). It grants that one device's configuration, and only while the token is
 * unexpired and unrevoked AND its account is active: the lookup joins the account's status,
 * so disabling the account stops every device with no extra bookkeeping.
 */
export const DEFAULT_DEVICE_TTL_DAYS = 30;
export const MAX_DEVICE_TTL_DAYS = 365;

export interface DeviceRow {
  id: number;
  extension: string;
  label: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  revokedAt: string | null;
  lastFetchedAt: string | null;
}

const COLUMNS = `d.id, a.extension, d.label, d.created_at AS "createdAt", d.created_by AS "createdBy",
  d.expires_at AS "expiresAt", d.revoked_at AS "revokedAt", d.last_fetched_at AS "lastFetchedAt"`;

const normalise = (r: DeviceRow): DeviceRow => ({ ...r, id: Number(r.id) });

export async function createDeviceToken(
  db: Db,
  input: { accountId: number; label: string; createdBy: string; ttlDays: number },
  now: Date,
): Promise<{ token: string; device: DeviceRow }> {
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + input.ttlDays * 86_400_000).toISOString();
  const device = await db.transaction(async (tx) => {
    await tx.run(
      'INSERT INTO susurro_provisioning_token (token_hash, account_id, label, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      [hash, input.accountId, input.label, now.toISOString(), input.createdBy, expiresAt],
    );
    return tx.get<DeviceRow>(
      `SELECT ${COLUMNS} FROM susurro_provisioning_token d JOIN susurro_account a ON a.id = d.account_id WHERE d.token_hash = ?`,
      [hash],
    );
  });
  return { token, device: normalise(device!) };
}

export async function listDevices(db: Db, extension: string): Promise<DeviceRow[]> {
  const rows = await db.all<DeviceRow>(
    `SELECT ${COLUMNS} FROM susurro_provisioning_token d JOIN susurro_account a ON a.id = d.account_id
      WHERE a.extension = ? ORDER BY d.id LIMIT 500`,
    [extension],
  );
  return rows.map(normalise);
}

export async function findDevice(db: Db, id: number): Promise<DeviceRow | undefined> {
  const r = await db.get<DeviceRow>(
    `SELECT ${COLUMNS} FROM susurro_provisioning_token d JOIN susurro_account a ON a.id = d.account_id WHERE d.id = ?`,
    [id],
  );
  return r && normalise(r);
}

/** Marks the device revoked (idempotent); `changed` is false when it already was. */
export async function revokeDevice(db: Db, id: number, now: Date): Promise<{ device: DeviceRow; changed: boolean } | undefined> {
  const r = await db.run('UPDATE susurro_provisioning_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now.toISOString(), id]);
  const device = await findDevice(db, id);
  return device && { device, changed: r.changes > 0 };
}

/** What a valid token unlocks: its device and the account's SIP digest hash. */
export interface ProvisionedDevice {
  deviceId: number;
  accountId: number;
  extension: string;
  displayName: string;
  ha1: string;
}

/**
 * The device behind a token, or undefined when the token is unknown, expired, revoked or its
 * account disabled: the caller answers all four alike (403), so the URL is no oracle.
 */
export async function resolveDeviceToken(db: Db, token: string, now: Date): Promise<ProvisionedDevice | undefined> {
  const row = await db.get<ProvisionedDevice & { expiresAt: string; revokedAt: string | null; status: string }>(
    `SELECT d.id AS "deviceId", a.id AS "accountId", a.extension, a.display_name AS "displayName", a.ha1, a.status,
            d.expires_at AS "expiresAt", d.revoked_at AS "revokedAt"
       FROM susurro_provisioning_token d JOIN susurro_account a ON a.id = d.account_id WHERE d.token_hash = ?`,
    [tokenHash(token)],
  );
  if (!row || row.status !== 'active' || row.revokedAt !== null || row.expiresAt <= now.toISOString()) return undefined;
  await db.run('UPDATE susurro_provisioning_token SET last_fetched_at = ? WHERE id = ?', [now.toISOString(), row.deviceId]);
  return { deviceId: Number(row.deviceId), accountId: Number(row.accountId), extension: row.extension, displayName: row.displayName, ha1: row.ha1 };
}

/** The TURN credential scope of one device (src/media-relay/credential-store.ts). */
export const deviceTurnScope = (deviceId: number) => `device:${deviceId}`;
