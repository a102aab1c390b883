/**
 * Issue #16 figure: dial → SAS on both native phones. Two Debian linphonec (liblinphone 5.1,
 * mandatory ZRTP) call each other over SIP/TLS through the project's Kamailio (rendered config,
 * started by startStack) and, in the same run, rounds interleaved, through Debian's stock
 * kamailio.cfg (WITH_AUTH, WITH_TLS, WITH_NAT, same SQLite subscriber table, same certificate;
 * bench/lib/stock-kamailio.ts lists the edits). Target: ours/stock ≤ 1.1.
 *
 * The phones: the same linphonerc for both proxies except the proxy port (test/provisioning/
 * linphonec.ts handConfiguredRc, ZRTP mandatory), each pair its own two processes, reaching both
 * proxies through the same TCP bridges (linphonec.ts). Two modes, two figures:
 *  - native.call.dial-to-sas: no ICE, all phones in one loopback-only namespace, media phone to
 *    phone on its loopback;
 *  - native.call.dial-to-sas.relay: ICE with a TURN credential on the project's coturn (the
 *    nat_policy entries provisioning writes), each phone in its own namespace behind a symmetric
 *    NAT (UDP bridge that lets only coturn's answers back), so media can only flow relay ⇄ relay;
 *    checked in every phone's log before the figure is reported. The provisioned phones
 *    themselves are not used: their TURN server is "localhost", which the relay needs to be the
 *    namespace's private address, and then hang-up fails (docs/native-phones.md, known limits).
 *
 * Time: from writing `call` to Alice's stdin to the later of the two phones' "fully encrypted
 * and auth token is …" console lines (stdout events, not polling). Each call is then hung up
 * and both phones are back to idle before the next.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { figure, summarize, type Benchmark } from './lib/report.ts';
import { QUICK, sleep } from './lib/proc.ts';
import { startStockKamailio } from './lib/stock-kamailio.ts';
import { startTestStack } from '../test/support/stack.ts';
import { freePorts } from '../test/support/ports.ts';
import { handConfiguredRc, registeredPhone, startLinphonecWithRc, startPhoneNamespace, type Linphonec, type PhoneNamespace } from '../test/provisioning/linphonec.ts';
import { createAccountRow } from '../src/db/accounts-repo.ts';

const CALLS = QUICK ? 3 : 11;
const SAS = /Call \d+ is fully encrypted and auth token is \S+/;
const ENDED = /Call \d+ with \S.* ended/;

/** performance.now() at the first stdout chunk after `from` that makes the output match `re`. */
function whenOutput(p: Linphonec, re: RegExp, from: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (re.test(p.output().slice(from))) {
        done();
        resolve(performance.now());
      }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`linphonec ${p.dir}: no ${re} within ${timeoutMs} ms: ${p.output().slice(-800)}`)); }, timeoutMs);
    const done = () => { clearTimeout(timer); p.proc.stdout!.off('data', check); p.proc.stderr!.off('data', check); };
    p.proc.stdout!.on('data', check);
    p.proc.stderr!.on('data', check);
    check();
  });
}


/** One call: dial → both SAS (ms), then hang up and wait until both phones report the end. */
async function oneCall(alice: Linphonec, bob: Linphonec, callee: string, settle: (p: Linphonec) => boolean = () => true): Promise<number> {
  const fromA = alice.output().length;
  const fromB = bob.output().length;
  const t0 = performance.now();
  alice.send(`call ${callee}`);
  const [ta, tb] = await Promise.all([whenOutput(alice, SAS, fromA, 30_000), whenOutput(bob, SAS, fromB, 30_000)]);
  const ms = Math.max(ta, tb) - t0;
  // with ICE, the caller sends a re-INVITE with the chosen pair once checks complete (RFC 8445
  // §8.1.2 / RFC 5245 §9.1.3): hang up only after it, not in the middle of it
  for (let i = 0; i < 100 && ![alice, bob].every(settle); i++) await sleep(50);
  await sleep(200);
  const endA = alice.output().length;
  const endB = bob.output().length;
  alice.send('terminate');
  await Promise.all([whenOutput(alice, ENDED, endA, 10_000), whenOutput(bob, ENDED, endB, 10_000)]);
  await sleep(300);
  return ms;
}

const bench: Benchmark = {
  name: 'linphonec dial → SAS over SIP/TLS (project Kamailio vs Debian stock config)',
  budgetSeconds: QUICK ? 150 : 300,
  async run(progress) {
    const dir = mkdtempSync(join(tmpdir(), 'susurro-bench-native-'));
    const [stockTls, stockUdp, stockTcp] = await freePorts(3);
    const t = await startTestStack({ publicHost: 'localhost' });
    let stock: Awaited<ReturnType<typeof startStockKamailio>> | null = null;
    let ns: PhoneNamespace | null = null;
    const namespaces: PhoneNamespace[] = [];
    const phones: Linphonec[] = [];
    try {
      const domain = t.config.domain;
      // one pair of accounts per mode: a second registration of the same AOR would fork the calls
      const directUsers = [{ ext: '7201', password: 'bench-native-Alice-2024' }, { ext: '7202', password: 'bench-native-Bob-2024' }];
      const relayUsers = [{ ext: '7211', password: 'bench-native-Alice-2024' }, { ext: '7212', password: 'bench-native-Bob-2024' }];
      for (const u of [...directUsers, ...relayUsers]) await createAccountRow(t.stack.db, { extension: u.ext, username: `bench-native-${u.ext}`, displayName: `Bench ${u.ext}`, password: u.password, domain });
      const sqliteFile = t.config.database.url.replace(/^sqlite:/, '');
      stock = await startStockKamailio({
        dir: join(dir, 'stock'), sqliteFile, udpPort: stockUdp!, rpcPort: stockTcp!, domain,
        tls: { port: stockTls!, certFile: t.stack.tls.certFile, keyFile: t.stack.tls.keyFile },
      });
      const caFile = (n: PhoneNamespace) => join(n.dir, 'certs', 'ca.pem');
      // direct: all four phones in one namespace, media phone to phone on its loopback
      ns = await startPhoneNamespace(join(dir, 'phones'), t.caPem, [t.config.ports.sipTls, stockTls!]);
      namespaces.push(ns);
      const direct = (tag: string, sipTlsPort: number) => directUsers.map((u) => {
        const p = startLinphonecWithRc(ns!, `${tag}-${u.ext}`, handConfiguredRc({ ext: u.ext, password: u.password, domain, sipTlsPort, caFile: caFile(ns!), mediaEncryption: 'zrtp' }));
        phones.push(p);
        return p;
      });
      // relay: each phone in its own namespace behind a symmetric NAT (test/provisioning/
      // linphonec.ts), ICE with its own TURN credential on the project's coturn: relay ⇄ relay
      let octet = 0;
      const relayed = async (tag: string, sipTlsPort: number) => Promise.all(relayUsers.map(async (u) => {
        // "localhost" (the proxy) stays 127.0.0.1, the address in the proxies' Record-Route, so
        // in-dialog requests reuse the phone's connection; TURN is reached at the private address
        // (mediastreamer takes TURN answers only on a host-candidate address, linphonec.ts)
        const addr = `10.203.1.${++octet}`;
        const n = await startPhoneNamespace(join(dir, `${tag}-${u.ext}`), t.caPem, [t.config.ports.sipTls, stockTls!], [t.config.ports.turn], addr, false);
        namespaces.push(n);
        const cred = t.stack.turnCredentials.issue({ account: u.ext, ttlSeconds: 3600, scope: `bench:${tag}` });
        const p = startLinphonecWithRc(n, u.ext, handConfiguredRc({
          ext: u.ext, password: u.password, domain, sipTlsPort, caFile: caFile(n), mediaEncryption: 'zrtp',
          turn: { host: addr, port: t.config.ports.turn, username: cred.username, password: cred.credential },
        }));
        phones.push(p);
        return p;
      }));
      const modes = [
        { name: 'direct', callee: `sip:7202@${domain}`, ours: direct('ours', t.config.ports.sipTls), stock: direct('stock', stockTls!) },
        { name: 'relay', callee: `sip:7212@${domain}`, ours: await relayed('ours', t.config.ports.sipTls), stock: await relayed('stock', stockTls!) },
      ];
      for (const p of phones) await registeredPhone(p, 30);
      const results: Array<{ name: string; ours: number[]; ref: number[]; load0: number; load1: number }> = [];
      for (const m of modes) {
        const [oa, ob] = m.ours;
        const [sa, sb] = m.stock;
        const callee = m.callee;
        progress(`${m.name}: ours tls:127.0.0.1:${t.config.ports.sipTls}; stock tls:127.0.0.1:${stockTls}; ${CALLS} calls each, interleaved, after one warm-up call each`);
        // per call: the number of relay connections logged so far, so each call waits for its own
        const settled = (p: Linphonec) => m.name !== 'relay' || (p.log().match(/ICE state is IceStateRelayConnection/g)?.length ?? 0) > (before.get(p) ?? 0);
        const before = new Map<Linphonec, number>();
        const call = async (a: Linphonec, b: Linphonec) => {
          for (const p of [a, b]) before.set(p, p.log().match(/ICE state is IceStateRelayConnection/g)?.length ?? 0);
          return oneCall(a, b, callee, settled);
        };
        await call(oa!, ob!);
        await call(sa!, sb!);
        const load0 = loadavg()[0]!;
        const ours: number[] = [];
        const ref: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          ours.push(await call(oa!, ob!));
          ref.push(await call(sa!, sb!));
          progress(`${m.name} call ${i + 1}: ours ${ours[i]!.toFixed(0)} ms, stock ${ref[i]!.toFixed(0)} ms`);
        }
        if (m.name === 'relay') {
          // the figure is only a relay figure if ICE actually chose the relay on every phone
          for (const p of [oa!, ob!, sa!, sb!]) {
            if (!p.log().includes('IceStateRelayConnection') || /IceState(Host|Reflexive)Connection/.test(p.log())) throw new Error(`${p.dir}: ICE did not settle on relay ⇄ relay`);
          }
        }
        results.push({ name: m.name, ours, ref, load0, load1: loadavg()[0]! });
      }
      return results.map(({ name, ours, ref, load0, load1 }) => {
        const o = summarize(ours);
        const r = summarize(ref);
        return figure({
          name: name === 'relay' ? 'native.call.dial-to-sas.relay' : 'native.call.dial-to-sas',
          description: name === 'relay'
            ? 'linphonec → linphonec over SIP/TLS, mandatory ZRTP, media relay ⇄ relay through the project\'s coturn (each phone behind a symmetric NAT): `call` → the SAS line on both phones'
            : 'linphonec → linphonec over SIP/TLS, mandatory ZRTP, no ICE: `call` written to the caller → the SAS line printed by both phones',
          unit: 'ms',
          median: o.median,
          p99: o.p99,
          samples: CALLS,
          reference: { name: `Debian stock kamailio.cfg WITH_AUTH+WITH_TLS+WITH_NAT (no media proxy), same phones${name === 'relay' ? ', same coturn' : ''}, same certificate`, median: r.median, p99: r.p99 },
          target: { op: '<=', value: 1.1, of: 'ratio' },
          notes: `${CALLS} calls per proxy, interleaved; 1-min load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after. Phones in loopback-only namespaces behind a TCP bridge (both proxies alike)${name === 'relay' ? '; ICE checked to have nominated relay ⇄ relay on all four phones' : '; media phone to phone on the namespace loopback'}.`,
        });
      });
    } finally {
      for (const p of phones) await p.stop().catch(() => {});
      for (const n of namespaces) await n.stop();
      await stock?.stop();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
export default bench;
