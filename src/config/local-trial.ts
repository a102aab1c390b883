/**
 * Local trial: the mode the defaults start in (publicHost and listen.address 127.0.0.1), where
 * every client is a browser on the machine that runs susurro. Derived from the configuration,
 * never set on its own: there is no switch that opens loopback relaying on a reachable server.
 *
 * Why it exists: with everything on loopback, both browsers' relay candidates are 127.0.0.1, so
 * coturn must relay to a loopback peer (its own relay address) for the first call to work.
 * Why it is safe: it is on only when nothing outside this machine can reach the listeners
 * (listen.address is loopback) and clients are told a loopback host (publicHost), so the
 * loopback peers it opens are reachable only by users of this machine, who reach them anyway.
 * Every private, link-local and reserved range stays denied (src/media-relay/turn-config.ts).
 */
import type { SusurroConfig } from './config.ts';

export interface LocalTrial {
  /** true: coturn may relay to loopback peers (and only those), see turn-config.ts. */
  on: boolean;
  /** One sentence for the start output: what the mode means, or why it is off. */
  explanation: string;
}

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3), ::1 (RFC 4291 §2.5.3) and the name localhost (RFC 6761 §6.3). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function localTrial(config: Pick<SusurroConfig, 'publicHost' | 'listen'>): LocalTrial {
  const publicLoopback = isLoopbackHost(config.publicHost);
  const listenLoopback = isLoopbackHost(config.listen.address);
  if (publicLoopback && listenLoopback) {
    return {
      on: true,
      explanation: `on: public host ${config.publicHost} is loopback, so only browsers on this machine can call; `
        + 'coturn relays between them on loopback (private ranges stay denied)',
    };
  }
  if (publicLoopback) {
    return {
      on: false,
      explanation: `off: listen.address ${config.listen.address} is reachable from other machines, so coturn keeps `
        + `loopback peers denied, yet clients are told the loopback host ${config.publicHost}: calls will fail; `
        + "set publicHost to this machine's name or address",
    };
  }
  return { on: false, explanation: `off: public host ${config.publicHost}; coturn denies loopback and private peers` };
}
