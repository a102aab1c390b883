export { renderProsodyConfig, writeProsodyConfig, prosodyFiles, mucHost, uploadHost, luaString, type ProsodyFiles } from './prosody-config.ts';
export { ProsodyShell, ProsodyShellError, type ShellReply } from './admin-shell.ts';
export { ProsodyControl, type DirectoryEntry } from './prosody-control.ts';
export { startProsody, type ManagedProsody } from './prosody-process.ts';
