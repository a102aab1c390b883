import { describe, expect, it } from 'vitest';
import { renderLinphoneXml } from '../../src/provisioning/linphone-xml.ts';

/** The Linphone document, known answer (keys checked against liblinphone 5.1 by linphone.e2e.test.ts). */
const input = {
  extension: '201',
  displayName: 'Ana "A&B" <x>',
  domain: 'ngo.example.org',
  sipHost: 'voice.ngo.example.org',
  sipTlsPort: 5061,
  ha1: '0123456789abcdef0123456789abcdef',
  turn: { host: 'voice.ngo.example.org', port: 3478, username: '201:abc', password: 'p&w<' },
  provisioningUrl: 'https://voice.ngo.example.org:8444/provisioning/tok',
};

describe('renderLinphoneXml', () => {
  it('renders the lpconfig document exactly', () => {
    const e = (k: string, v: string) => `    <entry name="${k}" overwrite="true">${v}</entry>\n`;
    const expected =
      '<?xml version="1.0" encoding="UTF-8"?>\n<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">\n' +
      '  <section name="sip">\n' + e('default_proxy', '0') + e('sip_port', '0') + e('sip_tcp_port', '0') + e('sip_tls_port', '-2') +
      e('verify_server_certs', '1') + e('verify_server_cn', '1') + e('media_encryption', 'zrtp') + e('media_encryption_mandatory', '1') + '  </section>\n' +
      '  <section name="proxy_0">\n' + e('reg_identity', '&quot;Ana A&amp;B &lt;x&gt;&quot; &lt;sip:201@ngo.example.org&gt;') +
      e('reg_proxy', '&lt;sip:voice.ngo.example.org:5061;transport=tls&gt;') + e('reg_route', '&lt;sip:voice.ngo.example.org:5061;transport=tls&gt;') +
      e('reg_expires', '3600') + e('reg_sendregister', '1') + e('publish', '0') + e('avpf', '0') + e('realm', 'ngo.example.org') +
      e('nat_policy_ref', 'susurro-nat') + '  </section>\n' +
      '  <section name="auth_info_0">\n' + e('username', '201') + e('userid', '201') + e('ha1', input.ha1) + e('realm', 'ngo.example.org') +
      e('domain', 'ngo.example.org') + e('algorithm', 'MD5') + '  </section>\n' +
      '  <section name="auth_info_1">\n' + e('username', '201:abc') + e('passwd', 'p&amp;w&lt;') + e('realm', 'ngo.example.org') + '  </section>\n' +
      '  <section name="nat_policy_0">\n' + e('ref', 'susurro-nat') + e('stun_server', 'voice.ngo.example.org:3478') +
      e('stun_server_username', '201:abc') + e('protocols', 'stun,turn,ice') + '  </section>\n' +
      '  <section name="net">\n' + e('nat_policy_ref', 'susurro-nat') + '  </section>\n' +
      '  <section name="rtp">\n' + e('audio_rtp_port', '-1') + e('video_rtp_port', '-1') + '  </section>\n' +
      '  <section name="video">\n' + e('capture', '0') + e('display', '0') + e('automatically_initiate', '0') + e('automatically_accept', '0') + '  </section>\n' +
      '  <section name="audio_codec_0">\n' + e('mime', 'opus') + e('rate', '48000') + e('channels', '2') + e('enabled', '1') + '  </section>\n' +
      '  <section name="audio_codec_1">\n' + e('mime', 'PCMU') + e('rate', '8000') + e('channels', '1') + e('enabled', '1') + '  </section>\n' +
      '  <section name="misc">\n' + e('config-uri', input.provisioningUrl) + e('transient_provisioning', '0') + '  </section>\n' +
      '</config>\n';
    expect(renderLinphoneXml(input)).toBe(expected);
  });

  it('brackets an IPv6 proxy host (RFC 3261 §19.1.1 hostport)', () => {
    const xml = renderLinphoneXml({ ...input, sipHost: '2001:db8::5', turn: { ...input.turn, host: '2001:db8::5' } });
    expect(xml).toContain('&lt;sip:[2001:db8::5]:5061;transport=tls&gt;');
    expect(xml).toContain('<entry name="stun_server" overwrite="true">[2001:db8::5]:3478</entry>');
  });
});
