export { openDatabase, kamailioDbUrl, sqlitePath, isUniqueViolation, DbError, type Db, type DbKind, type DbErrorCode } from './db.ts';
export { migrate, tableExists } from './migrate.ts';
export { ha1, ha1b } from './ha1.ts';
export {
  createAccountRow,
  findAccount,
  findAccountSecrets,
  listAccounts,
  setAccountPassword,
  disableAccountRow,
  enableAccountRow,
  deleteAccountRow,
  accountInconsistencies,
  type AccountRow,
  type AccountSecretRow,
  type AccountStatus,
  type NewAccount,
} from './accounts-repo.ts';
export { chatAccount, chatAccounts, type ChatAccountRow } from './chat-credentials.ts';
export { scramSha1, SCRAM_ITERATIONS, type ScramCredentials } from './scram.ts';
