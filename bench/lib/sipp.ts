/**
 * sipp (Debian's sip-tester 3.6) driving REGISTER load over loopback UDP: scenario files,
 * the injection CSV of users and the parsing of sipp's statistics CSV.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type Tracked } from './proc.ts';

export interface SippUser { extension: string; domain: string; password: string }

const USER_AGENT = 'susurro-bench';
const FLOOD_USER_AGENT = 'susurro-bench-flood';

/**
 * The CDATA block of one REGISTER (RFC 3261 §10.2) of a sipp scenario, for the user of the
 * injection CSV ([field0] extension, [field1] domain): CSeq 1 is the first, unauthenticated
 * request; CSeq 2 answers the 401 with the digest sipp computes ([authentication], RFC 2617).
 */
function registerRequest(cseq: 1 | 2, userAgent: string): string {
  return `    <![CDATA[
      REGISTER sip:[field1] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[field0]@[field1]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[field0]@[field1]>
      Call-ID: [call_id]
      CSeq: ${cseq} REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
${cseq === 2 ? '      [authentication]\n' : ''}      Max-Forwards: 70
      Expires: 600
      User-Agent: ${userAgent}
      Content-Length: 0

    ]]>`;
}

/** RFC 3261 §10.2 REGISTER answered with RFC 2617 digest after the 401 (sipp [authentication]). */
export const REGISTER_AUTH_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="susurro authenticated REGISTER">
  <send retrans="500">
${registerRequest(1, USER_AGENT)}
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
${registerRequest(2, USER_AGENT)}
  </send>
  <recv response="200"/>
</scenario>
`;

/**
 * The flood: REGISTER, then the digest answer with a WRONG password (a password-guessing
 * source). Responses may stop coming once the source is banned/pike-blocked: every wait is
 * bounded and a timeout just ends the call.
 */
export const REGISTER_BAD_PASSWORD_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="susurro REGISTER flood with a wrong password">
  <send>
${registerRequest(1, FLOOD_USER_AGENT)}
  </send>
  <recv response="401" auth="true" timeout="1000" ontimeout="done"/>
  <send>
${registerRequest(2, FLOOD_USER_AGENT)}
  </send>
  <recv response="401" optional="true" timeout="1000" ontimeout="done"/>
  <recv response="403" timeout="1000" ontimeout="done"/>
  <label id="done"/>
</scenario>
`;

export function writeUsersCsv(file: string, users: SippUser[]): void {
  writeFileSync(file, ['SEQUENTIAL', ...users.map((u) => `${u.extension};${u.domain};${u.password}`)].join('\n') + '\n');
}

export interface SippStats {
  successful: number;
  failed: number;
  created: number;
  /** sipp's own elapsed time of the run, seconds. */
  elapsedSeconds: number;
}

/** sipp's "HH:MM:SS:uuuuuu" (or "HH:MM:SS") duration, in seconds. */
export function parseSippDuration(text: string): number {
  const parts = text.trim().split(':').map(Number);
  if (parts.length < 3 || parts.some((n) => !Number.isFinite(n))) throw new RangeError(`not a sipp duration: ${text}`);
  const [h, m, s, us = 0] = parts as [number, number, number, number?];
  return h * 3600 + m * 60 + s + (us ?? 0) / 1e6;
}

/** Last row of sipp's -trace_stat CSV (semicolon-separated, header in the first line). */
export function parseSippStatCsv(text: string): SippStats {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length < 2) throw new Error('sipp statistics file has no data row');
  const head = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`sipp statistics: no column ${name}`);
    return row[i] ?? '';
  };
  return {
    successful: Number(col('SuccessfulCall(C)')),
    failed: Number(col('FailedCall(C)')),
    created: Number(col('TotalCallCreated')),
    elapsedSeconds: parseSippDuration(col('ElapsedTime(C)')),
  };
}

export interface SippRun {
  /** Called with the statistics when sipp ends (or is stopped). */
  result: Promise<SippStats & { code: number | null; stderr: string }>;
  proc: Tracked;
}

/**
 * Starts sipp as a UAC against target (UDP). rate/limit/max bound the load; timeoutSeconds is
 * sipp's own global bound (-timeout). Statistics land in dir.
 */
export function startSipp(o: {
  dir: string; tag: string; scenario: string; usersCsv: string; target: string;
  /** Digest credentials (sipp 3.6 cannot take them from the injection file). */
  authUser: string; authPassword: string;
  localIp: string; localPort: number; rate: number; limit: number; max: number; timeoutSeconds: number;
}): SippRun {
  const scenarioFile = join(o.dir, `${o.tag}.xml`);
  writeFileSync(scenarioFile, o.scenario);
  const statFile = join(o.dir, `${o.tag}-stat.csv`);
  const args = [
    o.target, '-sf', scenarioFile, '-inf', o.usersCsv, '-t', 'u1', '-au', o.authUser, '-ap', o.authPassword, '-i', o.localIp, '-p', String(o.localPort),
    '-r', String(o.rate), '-l', String(o.limit), '-m', String(o.max),
    '-timeout', `${o.timeoutSeconds}s`, '-timeout_error', '-nostdin',
    '-trace_stat', '-stf', statFile, '-fd', '1', '-trace_err', '-error_file', join(o.dir, `${o.tag}-errors.log`),
    '-max_socket', '100',
  ];
  const proc = startProcess('sipp', args, { cwd: o.dir, keepChars: 8000 });
  const result = proc.exited.then((r) => {
    let stats: SippStats;
    try {
      stats = parseSippStatCsv(readFileSync(statFile, 'utf8'));
    } catch (err) {
      throw new Error(`sipp (${o.tag}) left no statistics (exit ${r.code}): ${r.stderr.slice(-600)} ${String(err)}`);
    }
    return { ...stats, code: r.code, stderr: r.stderr };
  });
  return { result, proc };
}
