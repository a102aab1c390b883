export { startStack, stackUrls, checkKamailioConfig, StackError } from './start-stack.ts';
export type { RunningStack, StartStackOptions, StackUrls, StackStep } from './start-stack.ts';
export { ManagedProcess, killGroup } from './managed-process.ts';
export type { ProcessSpec, ProcessState } from './managed-process.ts';
export type { ComponentHealth } from './health.ts';
