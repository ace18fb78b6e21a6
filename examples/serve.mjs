#!/usr/bin/env node
// Serves the browser example with nothing but Node: the page (examples/browser/), the built package
// (dist/packages/client, at /client/) and a pass-through of /v1/* — WebSocket upgrades and SSE — to the
// delivery edge, so the page and the edge share one origin (the edge accepts same-origin browsers
// without EDGE_ALLOWED_ORIGINS, and no CORS is involved).
//
//   node examples/serve.mjs [--port <port>] [--edge http://127.0.0.1:8080]
// Without --port (or PORT) it listens on a free port and prints the URL: `npm start` already uses 8080–8090.
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    // 0: a free port, chosen by the system (printed below).
    port: { type: 'string', default: process.env.PORT ?? '0' },
    host: { type: 'string', default: '127.0.0.1' },
    edge: { type: 'string', default: process.env.DELTASTREAM_URL ?? 'http://127.0.0.1:8080' },
  },
});

const here = path.dirname(fileURLToPath(import.meta.url));
const roots = { '/client/': path.resolve(here, '../dist/packages/client'), '/': path.join(here, 'browser') };
const edge = new URL(args.edge);
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css', '.map': 'application/json', '.ts': 'text/plain' };

if (!existsSync(path.join(roots['/client/'], 'index.js'))) {
  console.error('dist/packages/client is missing: run `npx nx run client:package` first');
  process.exit(1);
}

/** The file a URL path names under one of the roots, or undefined (no escaping the roots). */
function fileFor(pathname) {
  for (const [prefix, dir] of Object.entries(roots)) {
    if (!pathname.startsWith(prefix)) continue;
    const relative = decodeURIComponent(pathname.slice(prefix.length)) || 'index.html';
    const file = path.resolve(dir, relative);
    if (!file.startsWith(dir + path.sep) && file !== dir) return undefined;
    return existsSync(file) && statSync(file).isFile() ? file : undefined;
  }
  return undefined;
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://serve');
  if (url.pathname.startsWith('/v1/')) {
    // SSE and anything else of the edge's HTTP API: forwarded as is, streamed both ways.
    const upstream = http.request({ host: edge.hostname, port: edge.port || 80, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`edge unreachable: ${error.message}`);
    });
    request.pipe(upstream);
    response.on('close', () => upstream.destroy());
    return;
  }
  const file = fileFor(url.pathname);
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(response);
});

// WebSocket: the upgrade request is replayed to the edge byte for byte, then both sockets are spliced.
server.on('upgrade', (request, socket, head) => {
  const upstream = net.connect(Number(edge.port || 80), edge.hostname, () => {
    const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
    for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  for (const [a, b] of [
    [socket, upstream],
    [upstream, socket],
  ]) {
    a.on('error', () => b.destroy());
    a.on('close', () => b.destroy());
  }
});

server.on('error', (error) => {
  console.error(error.code === 'EADDRINUSE' ? `port ${args.port} is in use: pick another with --port, or leave it out for a free one` : error.message);
  process.exit(1);
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  console.log(`browser example: http://${args.host}:${port}/  (edge: ${edge.origin})`);
  console.log(`live page: http://${args.host}:${port}/live.html  (every stream's latest state and the bytes saved)`);
});
