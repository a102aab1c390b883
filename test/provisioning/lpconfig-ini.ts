/**
 * Test helper: the Linphone XML (lpconfig.xsd) as linphonerc INI, entry for entry.
 * Debian's linphonec 5.1 applies neither a remote `[misc] config-uri` (https:// or file://)
 * nor an XML file given with -c / -b (verified: the core never fetches, and an XML rc is
 * read as empty INI), so the e2e test hands it the fetched document in the only form it
 * reads: same sections, same names, same values, nothing added or dropped.
 */
function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
}

export function lpconfigXmlToIni(xml: string): string {
  if (!xml.includes('<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">')) throw new Error('not a Linphone lpconfig document');
  const out: string[] = [];
  for (const sec of xml.matchAll(/<section name="([^"]+)">([\s\S]*?)<\/section>/g)) {
    out.push(`[${unescapeXml(sec[1]!)}]`);
    for (const e of sec[2]!.matchAll(/<entry name="([^"]+)"[^>]*>([^<]*)<\/entry>/g)) out.push(`${unescapeXml(e[1]!)}=${unescapeXml(e[2]!)}`);
    out.push('');
  }
  return out.join('\n');
}
