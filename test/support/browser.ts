/**
 * Shared helpers for browser tests and benchmarks: launch Debian's /usr/bin/chromium through
 * playwright-core (no browser download), and make the tone WAV that Chromium's fake audio
 * device plays instead of a microphone.
 *
 * Stable API (the softphone tests reuse it):
 *   makeToneWav(dir, { frequency?, seconds?, rate? }) -> absolute path of a mono 16-bit WAV
 *   launchChromium({ audioFile?, extraArgs?, headless?, env? }) -> { browser, userDataDir, close() }
 *
 * Every launch gets its own temporary user-data-dir, removed by close(). close() is idempotent
 * and safe in afterAll even when the launch half failed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const run = promisify(execFile);

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags every headless test run needs (see DESIGN.md "Known gotchas"). */
export const BASE_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Tests reach only loopback. Even with background networking off, Chromium still asks the
  // machine's DNS resolver for Google names at start (strace: 56 connects to the resolver's port 53
  // in 20 s of about:blank); with every name but localhost resolving to "not found", none.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.* , EXCLUDE [::1]',
];

export interface ToneOptions {
  /** Hz, default 1000. */
  frequency?: number;
  /** Duration, default 10 s (Chromium loops the file). */
  seconds?: number;
  /** Sample rate, default 48000. */
  rate?: number;
}

/**
 * Write a mono 16-bit sine tone WAV with sox into `dir` and return its absolute path:
 * `sox -n -r 48000 -c 1 -b 16 tone-1000hz.wav synth 10 sine 1000`.
 */
export async function makeToneWav(dir: string, options: ToneOptions = {}): Promise<string> {
  const frequency = options.frequency ?? 1000;
  const seconds = options.seconds ?? 10;
  const rate = options.rate ?? 48000;
  for (const [name, v] of Object.entries({ frequency, seconds, rate })) {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`makeToneWav: ${name} must be a positive number`);
  }
  const file = resolve(join(dir, `tone-${frequency}hz-${seconds}s-${rate}.wav`));
  await run('sox', ['-n', '-r', String(rate), '-c', '1', '-b', '16', file, 'synth', String(seconds), 'sine', String(frequency)], {
    timeout: 30_000,
  });
  return file;
}

export interface LaunchOptions {
  /** WAV played by the fake microphone (--use-file-for-fake-audio-capture). */
  audioFile?: string;
  /** Appended to BASE_CHROMIUM_ARGS, e.g. '--allow-loopback-in-peer-connection'. */
  extraArgs?: string[];
  /** Default true. */
  headless?: boolean;
  /** Environment of the browser process (default process.env), e.g. a HOME whose NSS db trusts a CA. */
  env?: NodeJS.ProcessEnv;
}

export interface LaunchedChromium {
  browser: BrowserContext;
  /** The persistent context's browser (may be null for persistent contexts). */
  rawBrowser: Browser | null;
  userDataDir: string;
  close(): Promise<void>;
}

/**
 * Launch /usr/bin/chromium headless with a fresh temporary profile. Returns a persistent
 * BrowserContext (so the user-data-dir flag is honoured); use `browser.newPage()`.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'susurro-chromium-'));
  const args = [...BASE_CHROMIUM_ARGS];
  if (options.audioFile !== undefined) args.push(`--use-file-for-fake-audio-capture=${options.audioFile}`);
  if (options.extraArgs) args.push(...options.extraArgs);
  let context: BrowserContext | null = null;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      if (context) await context.close();
    } finally {
      await rm(userDataDir, { recursive: true, force: true });
    }
  };
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: options.headless ?? true,
      args,
      ...(options.env ? { env: options.env as Record<string, string> } : {}),
      // Playwright's defaults would add --mute-audio etc.; we keep them, audio goes to WebAudio.
      timeout: 60_000,
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { browser: context, rawBrowser: context.browser(), userDataDir, close };
}
