/**
 * Linphone remote provisioning document (the "linphonerc" XML form, namespace
 * http://www.linphone.org/xsds/lpconfig.xsd): <section name> / <entry name> pairs that
 * liblinphone merges into its configuration when it fetches `[misc] config-uri`, at every
 * start. `overwrite="true"` makes the server's value win over one the user changed, so a
 * phone cannot be left with "no encryption" after a re-fetch.
 *
 * Pure: values in, text out. Keys checked against Debian's liblinphone 5.1 (linphone-cli),
 * see test/provisioning/linphone.e2e.test.ts and docs/native-phones.md.
 */
export interface LinphoneProvisioning {
  extension: string;
  displayName: string;
  /** SIP domain = digest realm. */
  domain: string;
  /** DNS name the phone connects to and verifies in the proxy's certificate. */
  sipHost: string;
  sipTlsPort: number;
  /**
   * The account's digest hash md5(user:realm:password) (RFC 2617 §3.2.2.2). Linphone
   * authenticates with `ha1` instead of `passwd`, so provisioning needs no clear-text
   * password and never resets the one the staff member uses in the web softphone.
   */
  ha1: string;
  turn: { host: string; port: number; username: string; password: string };
  /** This document's own URL: Linphone fetches it again at every start. */
  provisioningUrl: string;
}

const NAT_POLICY_REF = 'susurro-nat';

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Sections in the order Linphone applies them; every value a string. */
export function linphoneSections(p: LinphoneProvisioning): Array<[string, Array<[string, string]>]> {
  const proxy = `<sip:${hostPort(p.sipHost, p.sipTlsPort)};transport=tls>`;
  return [
    [
      'sip',
      [
        ['default_proxy', '0'],
        // SIP over TLS only, outgoing connections only: UDP and TCP off (0), TLS "don't bind" (-2,
        // LC_SIP_TRANSPORT_DONTBIND: the phone opens no listening port; verified with liblinphone 5.1).
        ['sip_port', '0'],
        ['sip_tcp_port', '0'],
        ['sip_tls_port', '-2'],
        ['verify_server_certs', '1'],
        ['verify_server_cn', '1'],
        // ZRTP (RFC 6189) mandatory: no call without it, the SAS is shown on every call.
        ['media_encryption', 'zrtp'],
        ['media_encryption_mandatory', '1'],
      ],
    ],
    [
      'proxy_0',
      [
        ['reg_identity', `"${p.displayName.replace(/["\\]/g, '')}" <sip:${p.extension}@${p.domain}>`],
        ['reg_proxy', proxy],
        ['reg_route', proxy],
        ['reg_expires', '3600'],
        ['reg_sendregister', '1'],
        ['publish', '0'],
        ['avpf', '0'],
        ['realm', p.domain],
        ['nat_policy_ref', NAT_POLICY_REF],
      ],
    ],
    [
      'auth_info_0',
      [
        ['username', p.extension],
        ['userid', p.extension],
        ['ha1', p.ha1],
        ['realm', p.domain],
        ['domain', p.domain],
        ['algorithm', 'MD5'],
      ],
    ],
    // TURN long-term credential (RFC 8489 §9.2): Linphone looks it up by stun_server_username.
    ['auth_info_1', [['username', p.turn.username], ['passwd', p.turn.password], ['realm', p.domain]]],
    [
      'nat_policy_0',
      [
        ['ref', NAT_POLICY_REF],
        ['stun_server', hostPort(p.turn.host, p.turn.port)],
        ['stun_server_username', p.turn.username],
        ['protocols', 'stun,turn,ice'],
      ],
    ],
    ['net', [['nat_policy_ref', NAT_POLICY_REF]]],
    // Random local RTP ports (-1): with ICE and TURN no fixed port is needed, and two phones on
    // one host (the e2e test; a desktop with two profiles) would otherwise both take 7078.
    ['rtp', [['audio_rtp_port', '-1'], ['video_rtp_port', '-1']]],
    // Voice only: susurro has no encrypted video path to verify.
    ['video', [['capture', '0'], ['display', '0'], ['automatically_initiate', '0'], ['automatically_accept', '0']]],
    ['audio_codec_0', [['mime', 'opus'], ['rate', '48000'], ['channels', '2'], ['enabled', '1']]],
    ['audio_codec_1', [['mime', 'PCMU'], ['rate', '8000'], ['channels', '1'], ['enabled', '1']]],
    ['misc', [['config-uri', p.provisioningUrl], ['transient_provisioning', '0']]],
  ];
}

export function renderLinphoneXml(p: LinphoneProvisioning): string {
  const body = linphoneSections(p)
    .map(
      ([name, entries]) =>
        `  <section name="${escapeXml(name)}">\n` +
        entries.map(([k, v]) => `    <entry name="${escapeXml(k)}" overwrite="true">${escapeXml(v)}</entry>\n`).join('') +
        '  </section>\n',
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">\n${body}</config>\n`;
}
