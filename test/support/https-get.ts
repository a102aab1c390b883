import { request } from 'node:https';

/** GET over HTTPS trusting only `ca` (the stack's dev CA): status and body text. */
export function httpsGet(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; contentType?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}
