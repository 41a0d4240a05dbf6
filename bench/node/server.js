'use strict';
// server.js: the Node peer of calfeed's side-by-side benchmark, "Node +
// ical-generator, rendered once and cached": a feed rendered once is a
// Buffer in memory, so what is measured is node:http serving it, with the
// headers a feed server sends and conditional GET.
//
//   node server.js DIR PORT
//
// DIR is the output of `calfeed build`: the server serves DIR/calendar.ics,
// DIR/tracks/*.ics and DIR/events/*.ics, read once at start, so that every
// server in the table sends the same feed bytes (ical-generator's own
// rendering of the same calendar is timed separately by render.js). Each
// response has Content-Type, Content-Length, a strong ETag (SHA-256 of the
// body), Last-Modified, Cache-Control and Access-Control-Allow-Origin; a
// matching If-None-Match gets 304. It listens on 127.0.0.1 only, does not
// log, and stops on SIGTERM or SIGINT.

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const [dir, port] = process.argv.slice(2);
if (!dir || !port) {
  console.error('usage: node server.js DIR PORT');
  process.exit(2);
}

const feeds = new Map(); // URL path -> { body, headers, notModified }
function add(urlPath, file) {
  const body = fs.readFileSync(file);
  const etag = '"' + crypto.createHash('sha256').update(body).digest('hex').slice(0, 32) + '"';
  const common = {
    'Cache-Control': 'public, max-age=21600',
    'Access-Control-Allow-Origin': '*',
    'ETag': etag,
    'Last-Modified': fs.statSync(file).mtime.toUTCString(),
  };
  feeds.set(urlPath, {
    body,
    etag,
    headers: { ...common, 'Content-Type': 'text/calendar; charset=utf-8', 'Content-Length': String(body.length) },
    notModified: common,
  });
}
add('/calendar.ics', path.join(dir, 'calendar.ics'));
for (const sub of ['tracks', 'events']) {
  for (const name of fs.readdirSync(path.join(dir, sub))) {
    if (name.endsWith('.ics')) add(`/${sub}/${name}`, path.join(dir, sub, name));
  }
}

const server = http.createServer((req, res) => {
  const q = req.url.indexOf('?');
  const f = feeds.get(q < 0 ? req.url : req.url.slice(0, q));
  if (!f || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(f ? 405 : 404, { 'Content-Type': 'text/plain' });
    res.end(f ? 'method not allowed\n' : 'not found\n');
    return;
  }
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && (inm === f.etag || inm.split(',').some((t) => t.trim() === f.etag))) {
    res.writeHead(304, f.notModified);
    res.end();
    return;
  }
  res.writeHead(200, f.headers);
  res.end(req.method === 'HEAD' ? undefined : f.body);
});
server.keepAliveTimeout = 75_000;
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`serving ${feeds.size} feeds from ${dir} on http://127.0.0.1:${port}`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
