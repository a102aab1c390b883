export { buildApp, defaultOptions, ADMIN_WEB_DIR } from './app.ts';
export { ensureFirstAdmin, FIRST_ADMIN_USERNAME } from './services/admins-repo.ts';
export { firstAdminFile } from './routes/admins.ts';
export { ApiErrors, API_ERROR_CODES, type ApiErrorCode } from './errors.ts';
export { revokeLive, type LiveRevocation } from './services/revocation.ts';
export type { AppDeps, AppOptions, ComponentHealth, KamailioRpcLike, TurnCliLike } from './types.ts';
