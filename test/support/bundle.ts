/**
 * Bundle TypeScript entry points for the browser with Vite's build API (no files written),
 * and serve them, plus any extra files, from a tiny node:http server on 127.0.0.1.
 *
 *   const code = await bundleForBrowser('/abs/path/entry.ts')      // one self-contained ES module
 *   const site = await serveFiles({ '/index.html': html, '/app.js': code })
 *   await page.goto(site.url + '/index.html'); ...; await site.close()
 *
 * 127.0.0.1 is a secure context, so crypto.subtle, workers and getUserMedia are available.
 */
import { createServer, type Server } from 'node:http';
import { build, type Rollup } from 'vite';

/** Bundle one entry (and everything it imports) into a single ES module string. */
export async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    publicDir: false,
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      emptyOutDir: false,
      lib: { entry, formats: ['es'], fileName: 'bundle' },
      rollupOptions: { output: { inlineDynamicImports: true } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((c): c is Rollup.OutputChunk => c.type === 'chunk');
  if (chunks.length !== 1) throw new Error(`bundleForBrowser: expected one chunk, got ${chunks.length}`);
  return chunks[0]!.code;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wav': 'audio/wav',
};

export interface ServedSite {
  url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * Send COOP/COEP so the page is cross-origin isolated: performance.now() then has ~5 us
   * resolution instead of 100 us (needed by benchmarks), and SharedArrayBuffer is available.
   */
  crossOriginIsolated?: boolean;
}

/** Serve an in-memory map of path -> content on 127.0.0.1 (random free port). */
export async function serveFiles(files: Record<string, string | Uint8Array>, options: ServeOptions = {}): Promise<ServedSite> {
  const isolation: Record<string, string> = options.crossOriginIsolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const ext = path.slice(path.lastIndexOf('.'));
    res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store', ...isolation });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr !== 'object') throw new Error('serveFiles: no address');
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
