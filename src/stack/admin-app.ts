/**
 * The admin service (src/admin-api) over HTTPS on listen.address:ports.admin — the one server path,
 * used by `npm start` (start-stack.ts) and by the admin service alone (src/cli/admin-server.ts).
 *
 * buildApp() returns a Fastify instance without listen(); we own the HTTPS server (shared TLS
 * policy of src/tls/policy.ts, the certificate of src/tls/dev-ca.ts) and hand each request to
 * Fastify's own handler, so the admin API needs no TLS knowledge.
 */
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../admin-api/index.ts';
import { ApiErrors, apiErrorBody } from '../admin-api/errors.ts';
import { NODE_TLS_SERVER_POLICY } from '../tls/policy.ts';

export interface ServedAdmin {
  app: FastifyInstance;
  server: Server;
  close(): Promise<void>;
}

/**
 * An HTTP request that does not parse never reaches Fastify: node:http emits 'clientError' on
 * our server. Answer it in the project's error format too (issue 13 item 6), then close.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  // One status for every unparsable request (header overflow included): the code stays truthful.
  const what = err.code === 'HPE_HEADER_OVERFLOW' ? 'request headers too large' : 'the HTTP request does not parse';
  const body = JSON.stringify(apiErrorBody(new ApiErrors.SUSURRO_API_BAD_REQUEST(what)));
  socket.end(
    'HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n' +
      `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function serveAdmin(deps: AppDeps, tls: { certFile: string; keyFile: string }): Promise<ServedAdmin> {
  const app = await buildApp(deps);
  await app.ready();
  const server = createServer(
    { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ...NODE_TLS_SERVER_POLICY },
    (req, res) => app.server.emit('request', req, res),
  );
  server.on('clientError', answerClientError);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(deps.config.ports.admin, deps.config.listen.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  return {
    app,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}
