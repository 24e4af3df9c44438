// A tiny stand-in for `unspun serve`, for developing the UI only: it serves
// crates/server/ui/ and canned JSON (mock-data/, captured from the real CLI). The browser tests
// never use it; they run the real binary.
//
//   node e2e/mock-server.mjs [port]        then open http://127.0.0.1:8787/
//
// A trace whose text contains "ERROR" answers 400 with the API's error shape; one containing
// "SLOW" waits 5 s.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTICLES } from './fixtures.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const uiDir = join(here, '..', 'crates', 'server', 'ui');
const port = Number(process.argv[2] || process.env.PORT || 8787);

const ASSETS = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/app.css': ['app.css', 'text/css; charset=utf-8'],
};

function json(res, status, value) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

const error = (res, status, code, message, field = null) =>
  json(res, status, { error: { code, message, field } });

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const asset = ASSETS[url.pathname];
  if (req.method === 'GET' && asset) {
    res.writeHead(200, { 'Content-Type': asset[1] });
    res.end(readFileSync(join(uiDir, asset[0])));
    return;
  }
  if (url.pathname === '/readyz' || url.pathname === '/healthz') return json(res, 200, { status: 'ok' });
  if (req.method === 'GET' && url.pathname === '/v1/stats') {
    return json(res, 200, JSON.parse(readFileSync(join(here, 'mock-data', 'stats.json'), 'utf8')));
  }
  if (req.method === 'GET' && url.pathname === '/v1/search') {
    const q = (url.searchParams.get('q') || '').toLowerCase();
    const outlet = (url.searchParams.get('outlet') || '').toLowerCase();
    const from = url.searchParams.get('from') || '';
    const to = url.searchParams.get('to') || '9999';
    const hits = ARTICLES.filter((a) => !q || a.id.toLowerCase() === q || a.title.toLowerCase().includes(q))
      .filter((a) => !outlet || a.source.toLowerCase() === outlet)
      .filter((a) => a.date >= from && a.date <= to)
      .sort((a, b) => b.date.localeCompare(a.date))
      .map((a) => ({ id: a.id, title: a.title, outlet: a.source, date: a.date }));
    return json(res, 200, { total: hits.length, results: hits.slice(0, 20) });
  }
  if (req.method === 'GET' && url.pathname === '/v1/outlets') {
    const tally = new Map();
    for (const a of ARTICLES) tally.set(a.source, (tally.get(a.source) || 0) + 1);
    const outlets = [...tally].sort((a, b) => b[1] - a[1]).map(([outlet, n]) => ({ outlet, n_docs: n }));
    return json(res, 200, { n_outlets: outlets.length, has_copy_graph: false, outlets });
  }
  if (req.method === 'GET' && url.pathname === '/v1/copy-graph') {
    return error(res, 409, 'no_copy_graph', 'the mock server has no copy graph (the real one: unspun serve --cluster DIR)');
  }
  if (req.method === 'GET' && url.pathname === '/v1/example') {
    const [a, b] = ARTICLES;
    return json(res, 200, {
      seed: 1, title: 'Example patchwork 1', date: '2015-10-10',
      text: `${a.text} ${b.text}`,
      parts: [a, b].map((d) => ({ id: d.id, outlet: d.source, title: d.title, n_sentences: 3, spun: [] })),
    });
  }
  if (req.method === 'POST' && ['/v1/report', '/v1/extract'].includes(url.pathname)) {
    return error(res, 501, 'not_in_mock', `${url.pathname} renders in Rust: use the real unspun serve`);
  }
  if (req.method === 'GET' && url.pathname.startsWith('/v1/documents/')) {
    const id = decodeURIComponent(url.pathname.slice('/v1/documents/'.length));
    const doc = ARTICLES.find((a) => a.id === id);
    if (!doc) return error(res, 404, 'not_found', `no document with id ${JSON.stringify(id)}`, 'id');
    return json(res, 200, doc);
  }
  if (req.method === 'POST' && url.pathname === '/v1/trace') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch (e) {
      return error(res, 400, 'bad_json', `the body is not JSON: ${e.message}`);
    }
    if (typeof body.text !== 'string' || !body.text.trim()) return error(res, 422, 'empty_text', 'the article text is empty', 'text');
    if (body.date && !/^\d{4}-\d{2}-\d{2}/.test(body.date)) {
      return error(res, 422, 'invalid_field', `cannot parse the date "${body.date}" (use ISO 8601, e.g. 2016-09-01)`, 'date');
    }
    if (body.text.includes('ERROR')) return error(res, 400, 'bad_date', 'date must be YYYY-MM-DD', 'date');
    const delay = body.text.includes('SLOW') ? 5000 : 600;
    const report = JSON.parse(readFileSync(join(here, 'mock-data', 'trace.json'), 'utf8'));
    setTimeout(() => json(res, 200, report), delay);
    return undefined;
  }
  return error(res, 404, 'not_found', `no route ${req.method} ${url.pathname}`);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`mock unspun UI server on http://127.0.0.1:${port}/`);
});
