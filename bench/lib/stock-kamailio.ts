/**
 * Debian's stock Kamailio 5.6 default configuration (/etc/kamailio/kamailio.cfg), the reference
 * for the REGISTER rate: a copy with WITH_AUTH (+ WITH_MYSQL for the database modules) where the
 * only edits are the ones needed to point it at the same SQLite database and ha1 column:
 * db_mysql -> db_sqlite, DBURL, and auth_db reading the precomputed ha1 (calculate_ha1 no,
 * password_column "ha1") because susurro stores no clear-text password. Registrations stay in
 * memory (no WITH_USRLOCDB), as in the project's config. Listens on udp:127.0.0.1:<port> only;
 * the SIP domain is given as an alias on the command line (the stock file has none).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, sleep, type Tracked } from './proc.ts';

export const STOCK_KAMAILIO_CFG = '/etc/kamailio/kamailio.cfg';

export function stockConfigText(stock: string, sqliteFile: string): string {
  const replace = (text: string, from: string | RegExp, to: string) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`stock kamailio.cfg: expected to find ${String(from)}`);
    return out;
  };
  let cfg = stock;
  cfg = replace(cfg, 'loadmodule "db_mysql.so"', 'loadmodule "db_sqlite.so"');
  // db_sqlite 5.6 needs a 4th slash for an absolute path (see src/signaling/render.ts)
  cfg = replace(cfg, /#!trydef DBURL "mysql:[^"]*"/, `#!trydef DBURL "sqlite:///${sqliteFile}"`);
  cfg = replace(cfg, 'modparam("auth_db", "calculate_ha1", yes)', 'modparam("auth_db", "calculate_ha1", no)');
  cfg = replace(cfg, 'modparam("auth_db", "password_column", "password")', 'modparam("auth_db", "password_column", "ha1")');
  return cfg;
}

/**
 * The stock file for SIP/TLS phones (the native-call reference): also WITH_TLS and WITH_NAT.
 * WITH_NAT because the phones reach the proxy through a TCP bridge (their Contact port is not
 * the connection's source port): its fix_nated_register/alias handling is what routes calls
 * back over the phone's own connection. Further edits, and only these: the tls module reads
 * `tlsCfgFile` (the stack's certificate) instead of /etc/kamailio/tls.cfg, and there is no
 * media proxy (rtpproxy module and its two rtpproxy_manage calls removed; the project's config
 * has no media proxy either, and an absent rtpproxy would cost a timeout per call).
 */
export function stockTlsConfigText(stock: string, sqliteFile: string, tlsCfgFile: string): string {
  const replace = (text: string, from: string | RegExp, to: string) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`stock kamailio.cfg: expected to find ${String(from)}`);
    return out;
  };
  let cfg = stockConfigText(stock, sqliteFile);
  cfg = replace(cfg, 'modparam("tls", "config", "/etc/kamailio/tls.cfg")', `modparam("tls", "config", "${tlsCfgFile}")`);
  cfg = replace(cfg, 'loadmodule "rtpproxy.so"', '');
  cfg = replace(cfg, 'modparam("rtpproxy", "rtpproxy_sock", "udp:127.0.0.1:7722")', '');
  cfg = replace(cfg, /rtpproxy_manage\("co"\);/, 'xlog("L_DBG", "no media proxy\\n");');
  cfg = replace(cfg, /rtpproxy_manage\("cor"\);/, 'xlog("L_DBG", "no media proxy\\n");');
  return cfg;
}

export interface StockKamailio { proc: Tracked; cfgFile: string; stop(): Promise<void> }

export async function startStockKamailio(o: {
  dir: string; sqliteFile: string; udpPort: number; rpcPort: number; domain: string;
  /** Also a TLS listener on 127.0.0.1 with this certificate (the stock config WITH_TLS, WITH_NAT). */
  tls?: { port: number; certFile: string; keyFile: string };
}): Promise<StockKamailio> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const cfgFile = join(o.dir, 'kamailio.cfg');
  const stock = readFileSync(STOCK_KAMAILIO_CFG, 'utf8');
  const tlsArgs: string[] = [];
  if (o.tls) {
    const tlsCfgFile = join(o.dir, 'tls.cfg');
    writeFileSync(tlsCfgFile, `[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\nprivate_key = ${o.tls.keyFile}\ncertificate = ${o.tls.certFile}\n`);
    writeFileSync(cfgFile, stockTlsConfigText(stock, o.sqliteFile, tlsCfgFile));
    tlsArgs.push('-A', 'WITH_TLS', '-A', 'WITH_NAT', '-l', `tls:127.0.0.1:${o.tls.port}`);
  } else {
    writeFileSync(cfgFile, stockConfigText(stock, o.sqliteFile));
  }
  const args = [
    '-DD', '-E', '-f', cfgFile, '-Y', o.dir, '-P', join(o.dir, 'kamailio.pid'), '-w', o.dir, '-m', '64', '-M', '8',
    '-A', 'WITH_MYSQL', '-A', 'WITH_AUTH', ...tlsArgs,
    // the SIP domain as an alias of "myself", so REGISTER sip:<domain> is local (not relayed)
    `--alias=${o.domain}`,
    '-l', `udp:127.0.0.1:${o.udpPort}`, '-l', `tcp:127.0.0.1:${o.rpcPort}`,
  ];
  const proc = startProcess('kamailio', args, { cwd: o.dir, keepChars: 20_000 });
  // ready when the UDP port answers an OPTIONS (bounded: 15 s)
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let up = false;
  sock.on('message', () => { up = true; });
  for (let i = 0; i < 60 && !up; i++) {
    const port = sock.address().port;
    const msg = [
      `OPTIONS sip:127.0.0.1:${o.udpPort} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKprobe${i};rport`,
      'Max-Forwards: 70', `From: <sip:probe@127.0.0.1>;tag=p${i}`, `To: <sip:127.0.0.1:${o.udpPort}>`,
      `Call-ID: probe-${i}@bench`, `CSeq: ${i + 1} OPTIONS`, 'Content-Length: 0', '', '',
    ].join('\r\n');
    sock.send(msg, o.udpPort, '127.0.0.1');
    await sleep(250);
  }
  sock.close();
  if (!up) {
    await proc.stop();
    const r = await proc.exited;
    throw new Error(`stock kamailio did not answer on udp:127.0.0.1:${o.udpPort}: ${r.stderr.slice(-1500)}`);
  }
  return { proc, cfgFile, stop: () => proc.stop() };
}
