import type { SusurroConfig } from '../config/index.ts';

/** ICE server URLs of our coturn for clients (RFC 7065 turn:/turns: URIs). */
export function turnUrls(config: SusurroConfig): string[] {
  const host = config.publicHost.includes(':') ? `[${config.publicHost}]` : config.publicHost;
  return [
    `turn:${host}:${config.ports.turn}?transport=udp`,
    `turn:${host}:${config.ports.turn}?transport=tcp`,
    `turns:${host}:${config.ports.turnTls}?transport=tcp`,
  ];
}
