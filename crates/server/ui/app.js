// unspun web UI: trace an article, see its sources side by side, browse the corpus.
// Plain ES2020, no framework, no build step. Every piece of data reaches the page through
// textContent or attributes set with setAttribute, never through innerHTML.
'use strict';

(() => {
  const N_COLOURS = 8;
  const TRACE_TIMEOUT_MS = 120000;
  /// Longest permalink fragment: the article travels compressed inside the link, and longer
  /// links break in mail and chat programs.
  const MAX_LINK_CHARS = 8000;
  /// Most characters of a source document shown in the whole-article comparison.
  const MAX_COMPARE_CHARS = 60000;

  // ---- small DOM helpers ------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  /// Creates an element: h('span', {class: 'x', tabindex: '0'}, 'text', childNode, ...).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key.startsWith('on') && typeof value === 'function') {
          el.addEventListener(key.slice(2), value);
        } else {
          el.setAttribute(key, value === true ? '' : String(value));
        }
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else if (child instanceof Node) el.appendChild(child);
      else el.appendChild(document.createTextNode(String(child)));
    }
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
  }

  /// Characters (code points) of a string: report offsets count these, not UTF-16 units.
  const chars = (s) => Array.from(s || '');
  const sliceChars = (arr, start, end) => arr.slice(Math.max(0, start), Math.max(0, end)).join('');

  /// A whole percentage rounded as Rust's `{:.0}` does (ties to even), like the verdict's
  /// summary and the HTML report: 0.745 is 74 %, not 75 %.
  function percent(x) {
    const v = (Number(x) || 0) * 100;
    let r = Math.round(v);
    if (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) r -= 1;
    return `${r}%`;
  }

  /// A date for people: "2015-09-20" stays, ISO date-times lose their time, epoch seconds
  /// become a UTC date.
  function formatDate(value) {
    if (value === null || value === undefined || value === '') return '';
    if (typeof value === 'number') {
      const d = new Date(value * 1000);
      return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().slice(0, 10);
    }
    const s = String(value);
    return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : s;
  }

  function formatBytes(n) {
    if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    let x = n;
    while (x >= 1000 && i < units.length - 1) {
      x /= 1000;
      i += 1;
    }
    return `${i === 0 ? x : x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
  }

  const formatInt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

  function capitalise(s) {
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  }

  const ROLE_LABEL = { origin: 'origin', co_copy: 'co-copy' };
  const STATUS_LABEL = {
    sourced: 'sourced',
    original: 'original: no earlier source found',
    common: 'common boilerplate found in many documents',
    title: 'the title printed again',
    phrase_match: 'phrase match: too thin to count as a source',
  };
  const VERDICT_LABEL = {
    original: 'ORIGINAL',
    copy: 'COPY',
    patchwork: 'PATCHWORK',
    partly_copied: 'Partly copied',
  };
  const verdictName = (kind) => VERDICT_LABEL[kind] || String(kind || 'unknown').toUpperCase();

  // ---- API ----------------------------------------------------------------------------------

  /// An API failure with the server's error JSON ({"error": {code, message, field}}) if any.
  class ApiError extends Error {
    constructor(message, { status = 0, code = '', field = null } = {}) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  async function api(path, { method = 'GET', body, signal, raw, contentType, accept = 'application/json' } = {}) {
    let response;
    try {
      const headers = { Accept: accept };
      if (raw !== undefined) headers['Content-Type'] = contentType || 'text/plain';
      else if (body !== undefined) headers['Content-Type'] = 'application/json';
      response = await fetch(path, {
        method,
        signal,
        headers,
        body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err && err.name === 'AbortError') {
        throw new ApiError('The request took too long and was stopped. Try a shorter text.', { code: 'timeout' });
      }
      throw new ApiError('Could not reach the unspun server. Is `unspun serve` still running?', { code: 'network' });
    }
    if (response.ok && accept !== 'application/json') return response.blob();
    const answer = await response.text();
    let data = null;
    try {
      data = answer ? JSON.parse(answer) : null;
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const e = data && data.error ? data.error : null;
      const message = e && e.message ? e.message
        : response.status === 413 ? 'The article is too large for this server.'
        : `The server answered ${response.status} ${response.statusText || ''}`.trim();
      throw new ApiError(message, { status: response.status, code: (e && e.code) || '', field: (e && e.field) || null });
    }
    if (data === null) throw new ApiError('The server sent an answer that is not JSON.', { status: response.status, code: 'bad_response' });
    return data;
  }

  function showError(el, err) {
    clear(el);
    const parts = [];
    if (err.status) parts.push(`HTTP ${err.status}`);
    if (err.code) parts.push(err.code);
    append(el, [
      h('strong', null, parts.length ? `Error (${parts.join(', ')})` : 'Error'),
      err.message || String(err),
      err.field ? h('span', null, ` (field: ${err.field})`) : null,
    ]);
    el.hidden = false;
  }

  function hideError(el) {
    clear(el);
    el.hidden = true;
  }

  function setBusy(statusEl, text) {
    clear(statusEl);
    if (text) append(statusEl, [h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', null, text)]);
  }

  // ---- routing ------------------------------------------------------------------------------

  const PAGES = { trace: $('page-trace'), corpus: $('page-corpus') };
  let firstRoute = true;
  let openedLink = null;

  function route() {
    const hash = location.hash || '#/';
    const name = hash.startsWith('#/corpus') ? 'corpus' : 'trace';
    if (hash.startsWith('#/t/') && hash !== openedLink) {
      openedLink = hash;
      openLink(hash.slice(4));
    }
    for (const [key, page] of Object.entries(PAGES)) page.hidden = key !== name;
    for (const link of document.querySelectorAll('nav a[data-route]')) {
      if (link.dataset.route === name) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = name === 'corpus' ? 'Corpus · unspun' : 'unspun: where did this text come from?';
    if (name === 'corpus') loadCorpus();
    // Move focus to the new page's heading so screen readers and keyboards follow the route.
    if (!firstRoute) {
      const heading = PAGES[name].querySelector('h1');
      if (heading) heading.focus();
    }
    firstRoute = false;
  }

  // ---- trace page ---------------------------------------------------------------------------

  const form = $('trace-form');
  const titleInput = $('f-title');
  const dateInput = $('f-date');
  const textInput = $('f-text');
  const traceButton = $('trace-button');
  const traceStatus = $('trace-status');
  const traceError = $('trace-error');
  const FIELD_INPUTS = { title: titleInput, text: textInput, date: dateInput };

  let report = null;
  /// The request that gave `report`, for its permalink and its HTML report.
  let lastRequest = null;

  function markInvalid(field) {
    for (const [name, input] of Object.entries(FIELD_INPUTS)) {
      if (name === field) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  async function onTrace(event) {
    event.preventDefault();
    hideError(traceError);
    markInvalid(null);
    const note = $('example-note');
    if (note) note.remove();
    // A new trace from the form: the address no longer shows the permalink's article.
    if (location.hash.startsWith('#/t/')) {
      history.replaceState(null, '', '#/');
      openedLink = null;
    }
    const text = textInput.value;
    if (!text.trim()) {
      const err = new ApiError('Paste the article text first (or upload a .txt or .json file).', { code: 'empty_text', field: 'text' });
      showError(traceError, err);
      markInvalid('text');
      textInput.focus();
      return;
    }
    const body = { text };
    if (titleInput.value.trim()) body.title = titleInput.value.trim();
    if (dateInput.value) body.date = dateInput.value;
    await runTrace(body);
  }

  /// Traces `body` ({text, title?, date?}) and shows the report.
  async function runTrace(body) {
    const text = body.text;
    hideShare();
    traceButton.disabled = true;
    form.setAttribute('aria-busy', 'true');
    setBusy(traceStatus, 'Tracing…');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TRACE_TIMEOUT_MS);
    const started = performance.now();
    try {
      const data = await api('/v1/trace', { method: 'POST', body, signal: controller.signal });
      report = data;
      lastRequest = body;
      renderReport(data, text);
      const ms = performance.now() - started;
      const took = ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
      clear(traceStatus);
      traceStatus.textContent = `Traced ${data.sentences ? data.sentences.length : 0} sentences in ${took}: ${verdictLine(data.verdict)}.`;
      $('verdict-heading').focus();
    } catch (err) {
      clear(traceStatus);
      showError(traceError, err);
      if (err.field && FIELD_INPUTS[err.field]) {
        markInvalid(err.field);
      }
    } finally {
      clearTimeout(timer);
      traceButton.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  function verdictLine(verdict) {
    if (!verdict) return 'no verdict';
    const kind = verdictName(verdict.kind);
    const n = verdict.n_origins || 0;
    const origins = verdict.kind === 'patchwork' ? ` of ${n} origins` : '';
    return `${kind}${origins}, ${percent(verdict.coverage)} of the text has an earlier source`;
  }

  /// Colour class of source `idx` (an index into report.sources).
  const srcClass = (idx) => `src-${idx % N_COLOURS}`;

  function sourceLabel(src) {
    if (!src) return 'unknown source';
    return src.outlet || src.id;
  }

  function renderReport(data, submittedText) {
    $('result').hidden = false;
    renderVerdict(data);
    renderFlags(data, submittedText);
    renderLegend(data);
    renderTitle(data);
    renderArticle(data, submittedText);
    renderCompare(data);
  }

  function renderVerdict(data) {
    const v = data.verdict || {};
    const el = $('verdict');
    clear(el);
    el.className = `card verdict verdict-${v.kind || 'original'}`;
    const kind = verdictName(v.kind);
    const n = v.n_origins || 0;
    let rest = '';
    if (v.kind === 'patchwork') rest = ` of ${n} origins`;
    else if (v.kind === 'copy') rest = ' of one origin';
    else if (v.kind === 'partly_copied') rest = ' from one origin';
    const heading = h('h2', { id: 'verdict-heading', tabindex: '-1' },
      h('span', { class: 'kind' }, kind), rest,
      h('span', { class: 'coverage' }, ` · ${percent(v.coverage)} coverage`));
    const meter = h('div', { class: 'meter', role: 'img', 'aria-label': `${percent(v.coverage)} of the text has an earlier source` });
    for (const origin of v.origins || []) {
      const src = (data.sources || [])[origin.source];
      meter.appendChild(h('span', {
        class: srcClass(origin.source),
        style: `width:${Math.max(0, Math.min(100, origin.share * 100))}%;background:var(--swatch)`,
        title: `${sourceLabel(src)}: ${percent(origin.share)}`,
      }));
    }
    const shares = (v.origins || []).map((origin) => {
      const src = (data.sources || [])[origin.source];
      return `${sourceLabel(src)} ${percent(origin.share)}`;
    });
    append(el, [
      heading,
      meter,
      h('p', { class: 'summary' }, v.summary || ''),
      shares.length ? h('p', null, `Origins: ${shares.join(' · ')}`) : null,
      leftOut(v),
    ]);
  }

  /// "Not counted: 1 phrase match, 2 shared quotations." or nothing.
  function leftOut(v) {
    const parts = [];
    if (v.n_phrase_matches) parts.push(`${v.n_phrase_matches} phrase match${v.n_phrase_matches === 1 ? '' : 'es'} (too thin to count)`);
    if (v.n_quoted) parts.push(`${v.n_quoted} shared quotation${v.n_quoted === 1 ? '' : 's'}`);
    return parts.length ? h('p', { class: 'left-out' }, `Not counted in the verdict: ${parts.join(', ')}.`) : null;
  }

  /// What source `idx` supplies: counted sentences, the title, phrase matches.
  function usesOf(data, idx) {
    const of = (m) => m && m.source === idx;
    const sentences = data.sentences || [];
    const nSourced = sentences.filter((s) => s.status === 'sourced' && of(s.source_match)).length;
    const nPhrase = sentences.filter((s) => s.status === 'phrase_match' && of(s.source_match)).length;
    const t = data.title && of(data.title.source_match) ? data.title.status : null;
    return { nSourced, nPhrase, title: t };
  }

  /// The title, traced on its own: a row above the article with its status and source.
  function renderTitle(data) {
    const el = $('title-trace');
    clear(el);
    const t = data.title;
    if (!t || !t.text) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const m = t.source_match;
    const src = m ? (data.sources || [])[m.source] : null;
    const field = t.matched_field === 'text' ? 'text' : 'title';
    let status;
    if (t.status === 'sourced' && m) status = `from ${sourceLabel(src)} (source ${m.source + 1}), its ${field}, ${m.kind}`;
    else if (t.status === 'phrase_match' && m) status = `phrase match with ${sourceLabel(src)}'s ${field}: too thin to count`;
    else status = 'original: no earlier source found';
    append(el, [
      h('span', { class: 'title-label' }, 'Title'),
      markSpan({ text: t.text, status: t.status, m, label: `Title: ${status}`, key: 'title', onopen: openTitle }),
      kindTag(t.status, m),
      h('span', { class: `title-status status-${t.status}` }, status),
    ]);
  }

  function renderFlags(data) {
    const ul = $('flags');
    clear(ul);
    for (const flag of data.flags || []) {
      const li = h('li', { class: `flag flag-${flag.kind}` });
      if (flag.kind === 'wire_dateline') {
        const where = flag.outlet_in_index === true ? 'is in the index'
          : flag.outlet_in_index === false ? 'is not in the index: its original cannot be shown'
          : 'may or may not be in the index';
        append(li, [
          h('strong', null, 'Wire dateline.'),
          flag.message || '',
          flag.outlet ? h('span', { class: 'flag-outlet' }, ` — ${flag.outlet} ${where}.`) : null,
        ]);
      } else if (flag.kind === 'title_repeated') {
        append(li, [h('strong', null, 'Repeated title.'), flag.message || '']);
      } else {
        append(li, [h('strong', null, `${capitalise(String(flag.kind).replace(/_/g, ' '))}.`), flag.message || '']);
      }
      ul.appendChild(li);
    }
    ul.hidden = ul.childElementCount === 0;
  }

  function renderLegend(data) {
    const ol = $('legend');
    clear(ol);
    const sources = data.sources || [];
    if (sources.length === 0) {
      ol.appendChild(h('li', { class: 'empty' }, 'No earlier source was found in the index.'));
      return;
    }
    sources.forEach((src, idx) => {
      const uses = usesOf(data, idx);
      const useParts = [];
      if (uses.nSourced) useParts.push(`${uses.nSourced} sentence${uses.nSourced === 1 ? '' : 's'}`);
      if (uses.title === 'sourced') useParts.push('the title');
      if (uses.nPhrase) useParts.push(`${uses.nPhrase} phrase match${uses.nPhrase === 1 ? '' : 'es'} (not counted)`);
      if (uses.title === 'phrase_match') useParts.push('a phrase of the title (not counted)');
      if (!useParts.length) useParts.push(`${src.n_sentences || 0} sentence${src.n_sentences === 1 ? '' : 's'}`);
      const phraseOnly = src.role === 'origin' && !uses.nSourced && uses.title !== 'sourced' && (uses.nPhrase || uses.title === 'phrase_match');
      const metaParts = [formatDate(src.date), useParts.join(', ')].filter(Boolean);
      const button = h('button', {
        type: 'button',
        class: 'source-button',
        'data-source': idx,
        onclick: () => openSource(idx),
      },
      h('span', { class: 'swatch', 'aria-hidden': 'true' }, String(idx + 1)),
      h('span', null,
        h('span', { class: 'outlet' }, src.outlet || 'Unknown outlet'),
        h('span', { class: phraseOnly ? 'role role-phrase' : 'role' }, phraseOnly ? 'phrase match only' : ROLE_LABEL[src.role] || src.role || '')),
      h('span', { class: 'doc-title' }, src.title || '(untitled)'),
      h('span', { class: 'meta' }, metaParts.join(' · '), h('br'), h('span', { class: 'doc-id' }, src.id)));
      const li = h('li', { class: `${srcClass(idx)}${phraseOnly ? ' phrase-only' : ''}`, 'data-source-id': src.id }, button);
      if (src.url && /^https?:\/\//i.test(src.url)) {
        li.appendChild(h('div', { class: 'links' },
          h('a', { href: src.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open article', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'), ' ↗')));
      }
      ol.appendChild(li);
    });
  }

  /// Rebuilds the body: the submitted text when the report's offsets fit it (keeps line
  /// breaks between sentences), else the sentences joined by spaces.
  function bodyChars(data, submittedText) {
    const q = data.query || {};
    const all = chars(submittedText);
    const offset = q.body_char_offset || 0;
    const body = all.slice(offset);
    const sentences = data.sentences || [];
    const fits = sentences.every((s) => sliceChars(body, s.char_start, s.char_end) === s.text);
    return fits ? body : null;
  }

  function renderArticle(data, submittedText) {
    const el = $('article');
    clear(el);
    const sentences = data.sentences || [];
    const body = bodyChars(data, submittedText);
    let pos = 0;
    sentences.forEach((s, i) => {
      if (body) {
        if (s.char_start > pos) el.appendChild(document.createTextNode(sliceChars(body, pos, s.char_start)));
      } else if (i > 0) {
        el.appendChild(document.createTextNode(' '));
      }
      el.appendChild(sentenceSpan(data, s));
      el.appendChild(kindTag(s.status, s.source_match));
      pos = Math.max(pos, s.char_end);
    });
    if (body && pos < body.length) el.appendChild(document.createTextNode(sliceChars(body, pos, body.length)));
    if (sentences.length === 0) el.textContent = 'The article has no sentences.';
  }

  /// The label shown after every sentence: how it was taken (its kind), or its status.
  function kindName(status, m) {
    if (status === 'sourced' && m) return m.quoted ? 'quote' : m.kind;
    return { phrase_match: 'phrase', common: 'boilerplate', title: 'title' }[status] || 'original';
  }

  function kindTag(status, m) {
    const name = kindName(status, m);
    const cls = status === 'sourced' && m ? `kind-tag tag-sourced ${srcClass(m.source)}` : `kind-tag tag-${status}`;
    return h('span', { class: cls, 'aria-hidden': 'true', 'data-kind': name }, name);
  }

  function sentenceSpan(data, s) {
    const m = s.source_match;
    let label = `Sentence ${s.idx + 1}: ${STATUS_LABEL[s.status] || s.status}`;
    const src = m ? (data.sources || [])[m.source] : null;
    if (s.status === 'sourced' && m) {
      label = `Sentence ${s.idx + 1}: from ${sourceLabel(src)} (source ${m.source + 1}), ${m.kind}${m.quoted ? ', shared quotation: not counted' : ''}`;
    } else if (s.status === 'phrase_match' && m) {
      label = `Sentence ${s.idx + 1}: phrase match with ${sourceLabel(src)}: too thin to count as a source`;
    }
    return markSpan({ text: s.text, status: s.status, m, label, key: s.idx, onopen: () => openSentence(s.idx) });
  }

  /// A focusable span for a sentence or the title, styled by its status (and source colour).
  function markSpan({ text, status, m, label, key, onopen }) {
    const classes = ['sent', status];
    if (status === 'sourced' && m) {
      classes.push(srcClass(m.source));
      if (m.quoted) classes.push('quoted');
    }
    const span = h('span', {
      class: classes.join(' '),
      tabindex: '0',
      role: 'button',
      title: label,
      'aria-description': label,
      'data-idx': key,
      onclick: onopen,
      onkeydown: (event) => {
        if (event.key === 'Enter' || event.key === ' ' || event.key === 'Spacebar') {
          event.preventDefault();
          onopen();
        }
      },
    }, text);
    if (status === 'sourced' && m) span.appendChild(h('sup', { 'aria-hidden': 'true' }, String(m.source + 1)));
    return span;
  }

  // ---- word diff ----------------------------------------------------------------------------

  /// Comparison key of a word: lower case, unified quotes, outer punctuation dropped.
  function wordKey(word) {
    const k = word.normalize('NFKC').toLowerCase()
      .replace(/[“”„‟«»″]/g, '"').replace(/[‘’‚‛′]/g, "'");
    const stripped = k.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
    return stripped || k;
  }

  const tokenize = (text) => (text || '').match(/\s+|\S+/g) || [];

  /// Word-level diff of `source` against `query` (LCS over lower-cased words). Returns, for
  /// each side, tokens {text, cls} where cls is 'eq', 'ins' (query only), 'del' (source
  /// only) or 'sub' (a run replaced by another run).
  function wordDiff(source, query) {
    const sTok = tokenize(source).map((text) => ({ text, word: /\S/.test(text), cls: 'eq' }));
    const qTok = tokenize(query).map((text) => ({ text, word: /\S/.test(text), cls: 'eq' }));
    const a = sTok.filter((t) => t.word);
    const b = qTok.filter((t) => t.word);
    const n = a.length;
    const m = b.length;
    if ((n + 1) * (m + 1) > 4000000) {
      // Too long to diff in the browser: mark nothing rather than freeze the page.
      return { source: sTok, query: qTok, truncated: true };
    }
    const ak = a.map((t) => wordKey(t.text));
    const bk = b.map((t) => wordKey(t.text));
    const width = m + 1;
    const dp = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        dp[i * width + j] = ak[i] === bk[j] ? dp[(i + 1) * width + j + 1] + 1
          : Math.max(dp[(i + 1) * width + j], dp[i * width + j + 1]);
      }
    }
    // Walk the table; collect runs of changes between equal words.
    let i = 0;
    let j = 0;
    let dels = [];
    let inss = [];
    const flush = () => {
      const cls = dels.length && inss.length ? 'sub' : null;
      for (const t of dels) t.cls = cls || 'del';
      for (const t of inss) t.cls = cls || 'ins';
      dels = [];
      inss = [];
    };
    while (i < n || j < m) {
      if (i < n && j < m && ak[i] === bk[j]) {
        flush();
        i += 1;
        j += 1;
      } else if (j >= m || (i < n && dp[(i + 1) * width + j] >= dp[i * width + j + 1])) {
        dels.push(a[i]);
        i += 1;
      } else {
        inss.push(b[j]);
        j += 1;
      }
    }
    flush();
    return { source: sTok, query: qTok, truncated: false };
  }

  /// Renders diff tokens, merging neighbours of one class (and the spaces between them) into
  /// one <ins>, <del> or <mark>.
  function renderTokens(tokens) {
    // Spaces take the class of the words around them when both sides agree.
    for (let k = 0; k < tokens.length; k += 1) {
      const t = tokens[k];
      if (t.word) continue;
      const prev = tokens[k - 1];
      const next = tokens[k + 1];
      t.cls = prev && next && prev.cls === next.cls ? prev.cls : 'eq';
    }
    const frag = document.createDocumentFragment();
    let k = 0;
    while (k < tokens.length) {
      const cls = tokens[k].cls;
      let text = '';
      while (k < tokens.length && tokens[k].cls === cls) {
        text += tokens[k].text;
        k += 1;
      }
      if (cls === 'ins') frag.appendChild(h('ins', { class: 'd-ins', title: 'added in the article' }, text));
      else if (cls === 'del') frag.appendChild(h('del', { class: 'd-del', title: 'left out of the article' }, text));
      else if (cls === 'sub') frag.appendChild(h('mark', { class: 'd-sub', title: 'substituted' }, text));
      else frag.appendChild(document.createTextNode(text));
    }
    return frag;
  }

  // ---- detail dialog ------------------------------------------------------------------------

  const dialog = $('detail');
  const detailHeading = $('detail-heading');
  const detailBody = $('detail-body');
  let returnFocus = null;
  const documentCache = new Map();

  function openDialog(title) {
    clear(detailBody);
    detailHeading.textContent = title;
    if (!dialog.open) {
      returnFocus = document.activeElement;
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    }
    dialog.scrollTop = 0;
  }

  function closeDialog() {
    if (typeof dialog.close === 'function' && dialog.open) dialog.close();
    else dialog.removeAttribute('open');
  }

  dialog.addEventListener('close', () => {
    for (const el of document.querySelectorAll('.sent.active')) el.classList.remove('active');
    // Chromium gives focus back by itself; do it only where the browser did not.
    const lost = document.activeElement === document.body || dialog.contains(document.activeElement);
    if (lost && returnFocus && document.contains(returnFocus)) returnFocus.focus();
    returnFocus = null;
  });
  // A click on the backdrop (outside the dialog box) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
    if (!inside) closeDialog();
  });
  $('detail-close').addEventListener('click', closeDialog);

  async function fetchDocument(id) {
    if (!documentCache.has(id)) {
      documentCache.set(id, api(`/v1/documents/${encodeURIComponent(id)}`).catch((err) => {
        documentCache.delete(id);
        throw err;
      }));
    }
    return documentCache.get(id);
  }

  function sourceMetaLine(src) {
    return [src.outlet, formatDate(src.date), src.title].filter(Boolean).join(' · ');
  }

  function openSentence(idx) {
    if (!report) return;
    const s = (report.sentences || []).find((x) => x.idx === idx);
    if (!s) return;
    for (const el of document.querySelectorAll('.sent.active')) el.classList.remove('active');
    const span = document.querySelector(`#article .sent[data-idx="${idx}"]`);
    if (span) span.classList.add('active');
    const m = s.source_match;
    openMatch({
      name: `Sentence ${s.idx + 1}`,
      text: s.text,
      charStart: s.char_start,
      status: s.status,
      m,
      field: 'text',
      where: m ? `sentence ${s.idx + 1}, characters ${m.query_char_start}–${m.query_char_end}` : '',
    });
  }

  function openTitle() {
    if (!report || !report.title) return;
    const t = report.title;
    for (const el of document.querySelectorAll('.sent.active')) el.classList.remove('active');
    const span = document.querySelector('#title-trace .sent');
    if (span) span.classList.add('active');
    const m = t.source_match;
    openMatch({
      name: 'The title',
      text: t.text,
      charStart: 0,
      status: t.status,
      m,
      field: t.matched_field === 'text' ? 'text' : 'title',
      where: m ? `the title, characters ${m.query_char_start}–${m.query_char_end}` : '',
    });
  }

  /// The evidence behind a match: whether it counts, why, and the counts it rests on.
  function evidenceSection(m, field) {
    const e = m.evidence;
    if (!e) return null;
    const phrase = e.strength === 'phrase';
    const nWords = e.n_shared_words || 0;
    const nNames = e.n_shared_names || 0;
    const nDiffer = e.n_names_differ || 0;
    const neighbour = field === 'title'
      ? 'the article\'s body has sentences from this source'
      : 'a sentence up to two away comes from the same document';
    return h('section', { class: `evidence evidence-${phrase ? 'phrase' : 'strong'}`, 'aria-label': 'Evidence' },
      h('h3', null, 'Evidence'),
      h('p', { class: 'evidence-decision' },
        h('strong', null, phrase ? 'Phrase match: too thin to count as a source.' : 'Counts as a source.'),
        e.reason ? ` ${capitalise(e.reason)}.` : ''),
      h('ul', { class: 'evidence-facts' },
        h('li', null, `${nWords} shared content word${nWords === 1 ? '' : 's'}`),
        h('li', null, `${nNames} name${nNames === 1 ? '' : 's'} or figure${nNames === 1 ? '' : 's'} among them`),
        nDiffer ? h('li', null, `${nDiffer} name${nDiffer === 1 ? '' : 's'} or figure${nDiffer === 1 ? '' : 's'} differ: the mark of a template`) : null,
        h('li', null, e.neighbour_support ? neighbour : 'no sentence nearby from the same document'),
        e.document_support && !e.neighbour_support
          ? h('li', null, 'another sentence of the text is a strong match in the same document')
          : null));
  }

  /// The detail of a sentence or of the title: its match side by side with the source, and
  /// the evidence; or just its status when it has no match.
  function openMatch(item) {
    const m = item.m;
    const status = item.status;
    if (!m || (status !== 'sourced' && status !== 'phrase_match')) {
      openDialog(item.name);
      append(detailBody, [
        h('ul', { class: 'badges' }, h('li', { class: 'badge' }, status)),
        h('p', null, capitalise(STATUS_LABEL[status] || status) + '.'),
        h('blockquote', { class: 'side' }, h('p', { class: 'text' }, item.text)),
      ]);
      return;
    }
    const phrase = status === 'phrase_match';
    const s = { text: item.text, char_start: item.charStart };
    const src = (report.sources || [])[m.source] || { id: '?' };
    openDialog(phrase ? `${item.name}: a phrase match` : `${item.name} and its source`);

    const badges = h('ul', { class: 'badges', 'aria-label': 'Match' },
      phrase ? h('li', { class: 'badge badge-phrase' }, 'phrase match: not counted') : null,
      h('li', { class: `badge kind-${m.kind}` }, `kind: ${m.kind}`),
      h('li', { class: 'badge' }, `similarity: ${percent(m.similarity)}`),
      (m.alterations || []).length > 1 ? h('li', { class: 'badge' }, `alterations: ${m.alterations.join(', ')}`) : null,
      m.n_inserted ? h('li', { class: 'badge' }, `${m.n_inserted} word${m.n_inserted === 1 ? '' : 's'} added`) : null,
      m.n_deleted ? h('li', { class: 'badge' }, `${m.n_deleted} word${m.n_deleted === 1 ? '' : 's'} dropped`) : null,
      m.quoted ? h('li', { class: 'badge' }, 'shared quotation: left out of the verdict') : null);

    // The query side: the sentence, with the aligned region diffed and the rest dimmed.
    const sChars = chars(s.text);
    const qs = Math.max(0, Math.min(sChars.length, m.query_char_start - s.char_start));
    const qe = Math.max(qs, Math.min(sChars.length, m.query_char_end - s.char_start));
    const aligned = sliceChars(sChars, qs, qe);
    const diff = wordDiff(m.source_text || '', aligned);

    // Words outside the aligned region are dimmed; stray punctuation stays plain.
    const outside = (text) => (/[\p{L}\p{N}]/u.test(text)
      ? h('span', { class: 'unaligned', title: 'not part of the match' }, text)
      : document.createTextNode(text));
    const queryText = h('p', { class: 'text' });
    if (qs > 0) queryText.appendChild(outside(sliceChars(sChars, 0, qs)));
    queryText.appendChild(renderTokens(diff.query));
    if (qe < sChars.length) queryText.appendChild(outside(sliceChars(sChars, qe, sChars.length)));

    const sourceText = h('p', { class: 'text' });
    const before = h('span', { class: 'context' });
    const after = h('span', { class: 'context' });
    append(sourceText, [before, renderTokens(diff.source), after]);

    const sourceSide = h('section', { class: `side side-source ${phrase ? 'side-phrase' : srcClass(m.source)}`, 'aria-label': 'Source passage' },
      h('h3', null, `Source ${m.source + 1}: ${sourceLabel(src)}${item.field === 'title' ? ' (its title)' : ''}`),
      h('p', { class: 'hint' }, [formatDate(src.date), src.title].filter(Boolean).join(' · ')),
      sourceText);
    const querySide = h('section', { class: 'side side-query', 'aria-label': 'Article sentence' },
      h('h3', null, 'This article'),
      h('p', { class: 'hint' }, item.where),
      queryText);

    const spins = m.substitutions || [];
    const spinList = spins.length
      ? h('ul', { class: 'spins', 'aria-label': 'Substituted words' }, spins.map((sub) =>
        h('li', null, h('span', { class: 'from' }, sub.from), ' → ', h('span', { class: 'to' }, sub.to))))
      : h('p', { class: 'hint' }, 'No substituted words.');

    const coCopies = (m.co_copies || []).map((k) => (report.sources || [])[k]).filter(Boolean);
    const facts = h('dl', { class: 'facts' },
      h('dt', null, 'Origin'), h('dd', null, `${src.id}${src.outlet ? ` (${src.outlet})` : ''}`),
      h('dt', null, 'Source region'), h('dd', null, `characters ${m.source_char_start}–${m.source_char_end} of its ${item.field}`),
      h('dt', null, 'Co-copies'), h('dd', null, coCopies.length
        ? coCopies.map((c) => `${c.outlet || c.id}${c.date ? ` (${formatDate(c.date)})` : ''}`).join(', ')
        : 'none: no other indexed document has this text'));

    append(detailBody, [
      badges,
      h('div', { class: 'side-by-side' }, querySide, sourceSide),
      h('ul', { class: 'diff-key', 'aria-label': 'Highlighting' },
        h('li', null, h('mark', { class: 'd-sub' }, 'substituted'), ' words replaced'),
        h('li', null, h('ins', { class: 'd-ins' }, 'added'), ' only in the article'),
        h('li', null, h('del', { class: 'd-del' }, 'dropped'), ' only in the source'),
        h('li', null, h('span', { class: 'context' }, 'grey'), ' context around the match')),
      evidenceSection(m, item.name === 'The title' ? 'title' : 'text'),
      h('h3', null, 'Spin pairs (source → article)'),
      spinList,
      facts,
      h('p', null, h('button', { type: 'button', class: 'link-button', onclick: () => openSource(m.source) }, `All sentences from ${sourceLabel(src)}`)),
    ]);

    // Show some of the source document around the aligned region once it arrives.
    fetchDocument(src.id).then((doc) => {
      const whole = item.field === 'title' ? doc && doc.title : doc && doc.text;
      if (!dialog.open || typeof whole !== 'string') return;
      const docChars = chars(whole);
      const ctxStart = Math.max(0, m.source_char_start - 240);
      const ctxEnd = Math.min(docChars.length, m.source_char_end + 240);
      before.textContent = (ctxStart > 0 ? '…' : '') + sliceChars(docChars, ctxStart, m.source_char_start);
      after.textContent = sliceChars(docChars, m.source_char_end, ctxEnd) + (ctxEnd < docChars.length ? '…' : '');
    }).catch(() => {
      // The aligned text is already shown; the surrounding context is a bonus.
    });
  }

  function openSource(idx) {
    if (!report) return;
    const src = (report.sources || [])[idx];
    if (!src) return;
    openDialog(`Source ${idx + 1}: ${sourceLabel(src)}`);
    const own = (report.sentences || []).filter((s) => s.source_match && s.source_match.source === idx);
    const shared = (report.sentences || []).filter((s) => s.source_match && (s.source_match.co_copies || []).includes(idx));
    const list = (items) => h('ol', { class: 'sentence-list' }, items.map((s) =>
      h('li', { value: s.idx + 1 }, h('button', { type: 'button', class: 'link-button', onclick: () => openSentence(s.idx) }, s.text),
        s.status === 'phrase_match' ? ' (phrase match: not counted)' : ` (${s.source_match.kind})`)));
    append(detailBody, [
      h('div', { class: `side side-source ${srcClass(idx)}` },
        h('p', null, h('strong', null, src.title || '(untitled)')),
        h('p', { class: 'hint' }, `${sourceMetaLine(src)} · ${ROLE_LABEL[src.role] || src.role}`),
        h('p', { class: 'mono' }, src.id),
        src.url && /^https?:\/\//i.test(src.url)
          ? h('p', null, h('a', { href: src.url, target: '_blank', rel: 'noopener noreferrer' }, src.url, h('span', { class: 'visually-hidden' }, ' (opens in a new tab)')))
          : null),
      h('h3', null, `Sentences taken from it (${own.length})`),
      own.length ? list(own) : h('p', { class: 'hint' }, 'It is the origin of no sentence.'),
      shared.length ? h('h3', null, `Sentences it shares as a co-copy (${shared.length})`) : null,
      shared.length ? list(shared) : null,
    ]);
  }

  // ---- share: the HTML report and the permalink ---------------------------------------------

  const shareStatus = $('share-status');

  function hideShare() {
    $('share').hidden = true;
    clear(shareStatus);
  }

  /// Asks the server to render the report as one HTML page and saves it.
  async function downloadReport() {
    if (!report) return;
    setBusy(shareStatus, 'Preparing the report…');
    try {
      const text = lastRequest ? lastRequest.text : undefined;
      let blob;
      try {
        blob = await api('/v1/report', { method: 'POST', body: { report, text }, accept: 'text/html' });
      } catch (err) {
        // A report larger than the server's body limit: have the server trace the article
        // again and render the page itself (the article alone is within the limits).
        if (err.status !== 413 || !lastRequest) throw err;
        blob = await api('/v1/trace', { method: 'POST', body: lastRequest, accept: 'text/html' });
      }
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: reportFileName(report), hidden: true });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      clear(shareStatus);
      shareStatus.textContent = `Saved ${reportFileName(report)} (${formatBytes(blob.size)}): it opens offline and prints.`;
    } catch (err) {
      clear(shareStatus);
      showError(traceError, err);
    }
  }

  /// The file name the server gives the report, as `unspun-report-<title words>.html`.
  function reportFileName(data) {
    const words = ((data.query && data.query.title) || '').split(/[^A-Za-z0-9]+/).filter(Boolean);
    let slug = '';
    for (const w of words) {
      if (slug.length + w.length + 1 > 60) break;
      slug += (slug ? '-' : '') + w.toLowerCase();
    }
    return slug ? `unspun-report-${slug}.html` : 'unspun-report.html';
  }

  const toBase64Url = (bytes) => {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const fromBase64Url = (text) => {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  };
  const streamBytes = async (bytes, stream) => new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());

  /// The permalink's fragment for a request: `1.` + base64url of raw-deflated JSON.
  async function encodeLink(body) {
    const json = JSON.stringify({ t: body.title || '', d: body.date || '', x: body.text });
    const packed = await streamBytes(new TextEncoder().encode(json), new CompressionStream('deflate-raw'));
    return `1.${toBase64Url(packed)}`;
  }

  async function decodeLink(payload) {
    if (!payload.startsWith('1.')) throw new Error('this link was made by another version of unspun');
    const bytes = await streamBytes(fromBase64Url(payload.slice(2)), new DecompressionStream('deflate-raw'));
    const data = JSON.parse(new TextDecoder().decode(bytes));
    if (!data || typeof data.x !== 'string') throw new Error('the link holds no article');
    return data;
  }

  async function makeLink() {
    if (!lastRequest) return;
    const payload = await encodeLink(lastRequest);
    const hash = `#/t/${payload}`;
    if (hash.length > MAX_LINK_CHARS) {
      $('share').hidden = true;
      shareStatus.textContent = `This article is too long to travel in a link (${formatInt(hash.length)} characters compressed; a link holds ${formatInt(MAX_LINK_CHARS)}). Download the report instead.`;
      return;
    }
    openedLink = hash;
    history.replaceState(null, '', hash);
    const url = location.href;
    const input = $('share-url');
    input.value = url;
    $('share').hidden = false;
    input.focus();
    input.select();
    let copied = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(url);
        copied = true;
      }
    } catch (_) {
      copied = false;
    }
    shareStatus.textContent = copied ? 'Link copied.' : 'Copy the link below.';
  }

  /// Opens a permalink: fills the form with its article and traces it.
  async function openLink(payload) {
    try {
      const data = await decodeLink(payload);
      textInput.value = data.x;
      titleInput.value = data.t || '';
      dateInput.value = /^\d{4}-\d{2}-\d{2}$/.test(data.d || '') ? data.d : '';
      const body = { text: data.x };
      if (data.t) body.title = data.t;
      if (dateInput.value) body.date = dateInput.value;
      await runTrace(body);
    } catch (err) {
      showError(traceError, new ApiError(`This link cannot be opened: ${err.message}`, { code: 'bad_link' }));
    }
  }

  $('download-button').addEventListener('click', downloadReport);
  $('link-button').addEventListener('click', () => {
    makeLink().catch((err) => showError(traceError, new ApiError(`No link: ${err.message}`, { code: 'bad_link' })));
  });

  // ---- try an example -----------------------------------------------------------------------

  let exampleSeed = 1;

  async function tryExample() {
    hideError(traceError);
    const seed = exampleSeed;
    exampleSeed += 1;
    setBusy(traceStatus, 'Building an example from the corpus…');
    let example;
    try {
      example = await api(`/v1/example?seed=${seed}`);
    } catch (err) {
      clear(traceStatus);
      showError(traceError, err);
      return;
    }
    titleInput.value = example.title || '';
    dateInput.value = example.date || '';
    textInput.value = example.text || '';
    const body = { text: textInput.value, title: titleInput.value };
    if (dateInput.value) body.date = dateInput.value;
    await runTrace(body);
    const parts = (example.parts || []).map((p) => {
      const spun = (p.spun || []).map((x) => `${x.from} → ${x.to}`);
      return `${p.outlet || p.id} (${spun.length ? `spun: ${spun.join(', ')}` : 'verbatim'})`;
    });
    const note = h('p', { id: 'example-note', class: 'example-note' },
      h('strong', null, `Example ${seed}: `),
      `two sentences from each of ${parts.join(', ')}, then one sentence of its own. Did unspun find them?`);
    const old = $('example-note');
    if (old) old.remove();
    traceStatus.after(note);
  }

  $('example-button').addEventListener('click', tryExample);

  // ---- the whole article next to one source -------------------------------------------------

  const compareSelect = $('compare-source');
  let compareToken = 0;

  function renderCompare(data) {
    const section = $('compare');
    const sources = data.sources || [];
    const used = sources.map((src, idx) => ({ src, idx, n: (data.sentences || []).filter((s) => s.source_match && s.source_match.source === idx).length }))
      .filter((x) => x.n > 0);
    clear(compareSelect);
    if (!used.length) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    for (const { src, idx, n } of used) {
      compareSelect.appendChild(h('option', { value: idx }, `${idx + 1}. ${sourceLabel(src)}: ${src.title || src.id} (${n} sentence${n === 1 ? '' : 's'})`));
    }
    showCompare(used[0].idx);
  }

  compareSelect.addEventListener('change', () => showCompare(Number(compareSelect.value)));

  async function showCompare(idx) {
    if (!report) return;
    const token = (compareToken += 1);
    const src = (report.sources || [])[idx];
    const left = $('compare-article');
    const right = $('compare-doc');
    const status = $('compare-status');
    clear(left);
    clear(right);
    clear($('compare-lines'));
    $('compare-source-heading').textContent = `Source ${idx + 1}: ${sourceLabel(src)}${src.date ? ` · ${formatDate(src.date)}` : ''}`;
    const pairs = (report.sentences || []).filter((s) => s.source_match && s.source_match.source === idx);
    // The article: every sentence, the ones from this source numbered and coloured.
    (report.sentences || []).forEach((s, i) => {
      if (i > 0) left.appendChild(document.createTextNode(' '));
      const mine = s.source_match && s.source_match.source === idx;
      left.appendChild(mine
        ? h('span', { class: `cmp ${s.status === 'phrase_match' ? 'cmp-phrase' : srcClass(idx)}`, 'data-pair': s.idx },
          h('span', { class: 'cmp-n' }, String(s.idx + 1)), s.text)
        : h('span', { class: 'cmp-other' }, s.text));
    });
    setBusy(status, 'Loading the source…');
    let doc;
    try {
      doc = await fetchDocument(src.id);
    } catch (err) {
      if (token !== compareToken) return;
      clear(status);
      status.textContent = `The source could not be loaded: ${err.message}`;
      return;
    }
    if (token !== compareToken) return;
    clear(status);
    const docChars = chars(doc.text || '');
    const regions = pairs.map((s) => ({ s, start: s.source_match.source_char_start, end: s.source_match.source_char_end }))
      .filter((r) => r.end > r.start && r.start < docChars.length)
      .sort((a, b) => a.start - b.start || a.end - b.end);
    const limit = Math.min(docChars.length, MAX_COMPARE_CHARS);
    let pos = 0;
    for (const r of regions) {
      if (r.start < pos || r.start >= limit) continue;
      right.appendChild(document.createTextNode(sliceChars(docChars, pos, r.start)));
      const end = Math.min(r.end, limit);
      right.appendChild(h('span', { class: `cmp ${r.s.status === 'phrase_match' ? 'cmp-phrase' : srcClass(idx)}`, 'data-pair': r.s.idx },
        h('span', { class: 'cmp-n' }, String(r.s.idx + 1)), sliceChars(docChars, r.start, end)));
      pos = end;
    }
    right.appendChild(document.createTextNode(sliceChars(docChars, pos, limit)));
    if (limit < docChars.length) right.appendChild(h('span', { class: 'hint' }, ` … (${formatInt(docChars.length - limit)} more characters)`));
    drawCompareLines();
  }

  /// Joins each numbered sentence to its passage in the source by a curve (wide screens).
  function drawCompareLines() {
    const svg = $('compare-lines');
    clear(svg);
    const box = $('compare-body');
    if ($('compare').hidden || getComputedStyle(svg).display === 'none') return;
    const frame = box.getBoundingClientRect();
    svg.setAttribute('width', String(frame.width));
    svg.setAttribute('height', String(frame.height));
    svg.setAttribute('viewBox', `0 0 ${frame.width} ${frame.height}`);
    const ns = 'http://www.w3.org/2000/svg';
    for (const a of $('compare-article').querySelectorAll('.cmp[data-pair]')) {
      const b = $('compare-doc').querySelector(`.cmp[data-pair="${a.dataset.pair}"]`);
      if (!b) continue;
      const ra = a.getClientRects()[0];
      const rb = b.getClientRects()[0];
      if (!ra || !rb) continue;
      const leftCol = a.closest('.compare-col').getBoundingClientRect();
      const rightCol = b.closest('.compare-col').getBoundingClientRect();
      const x1 = leftCol.right - frame.left;
      const y1 = ra.top + ra.height / 2 - frame.top;
      const x2 = rightCol.left - frame.left;
      const y2 = rb.top + rb.height / 2 - frame.top;
      const mid = (x1 + x2) / 2;
      const path = document.createElementNS(ns, 'path');
      path.setAttribute('d', `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`);
      path.setAttribute('class', `cmp-line ${a.classList.contains('cmp-phrase') ? 'cmp-phrase' : [...a.classList].find((c) => c.startsWith('src-')) || ''}`);
      svg.appendChild(path);
    }
  }

  window.addEventListener('resize', () => {
    if (report && !$('compare').hidden) drawCompareLines();
  });

  // ---- corpus badge -------------------------------------------------------------------------

  api('/v1/stats').then((stats) => {
    const badge = $('corpus-badge');
    const parts = [`${formatInt(stats.n_docs)} document${stats.n_docs === 1 ? '' : 's'}`];
    if (stats.n_outlets) parts.push(`${formatInt(stats.n_outlets)} outlet${stats.n_outlets === 1 ? '' : 's'}`);
    clear(badge);
    append(badge, [h('span', { class: 'corpus-name', title: 'The index this server traces against' }, stats.index_name || 'index'), ` · ${parts.join(' · ')}`]);
    badge.hidden = false;
  }).catch(() => {
    // The badge is a courtesy; the corpus page reports errors.
  });

  // ---- file upload --------------------------------------------------------------------------

  function fillFromJson(obj) {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('the JSON file must hold one object with "text"');
    if (typeof obj.text !== 'string') throw new Error('the JSON object has no "text" string');
    textInput.value = obj.text;
    titleInput.value = typeof obj.title === 'string' ? obj.title : '';
    const date = formatDate(obj.date);
    dateInput.value = /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : '';
  }

  /// A web page: the server extracts its article (text, title, date) as a trace would.
  async function fillFromHtml(content) {
    const article = await api('/v1/extract', { method: 'POST', raw: content, contentType: 'text/html' });
    textInput.value = article.text || '';
    titleInput.value = article.title || '';
    dateInput.value = /^\d{4}-\d{2}-\d{2}$/.test(article.date || '') ? article.date : '';
  }

  function fillFromText(content) {
    // Like `unspun trace`: a first line followed by a blank line is the title.
    const match = /^([^\r\n]{1,300})\r?\n[ \t]*\r?\n([\s\S]*)$/.exec(content);
    if (match) {
      titleInput.value = match[1].trim();
      textInput.value = match[2];
    } else {
      textInput.value = content;
    }
  }

  $('f-file').addEventListener('change', (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    hideError(traceError);
    const reader = new FileReader();
    reader.onload = async () => {
      const content = String(reader.result || '');
      try {
        if (/\.json$/i.test(file.name) || file.type === 'application/json') fillFromJson(JSON.parse(content));
        else if (/\.html?$/i.test(file.name) || file.type === 'text/html') await fillFromHtml(content);
        else fillFromText(content);
        traceStatus.textContent = `Loaded ${file.name}. Press Trace.`;
      } catch (err) {
        showError(traceError, new ApiError(`Could not read ${file.name}: ${err.message}`, { code: 'bad_file' }));
      }
      event.target.value = '';
    };
    reader.onerror = () => showError(traceError, new ApiError(`Could not read ${file.name}.`, { code: 'bad_file' }));
    reader.readAsText(file);
  });

  $('clear-button').addEventListener('click', () => {
    form.reset();
    markInvalid(null);
    hideError(traceError);
    clear(traceStatus);
    $('result').hidden = true;
    report = null;
    lastRequest = null;
    const note = $('example-note');
    if (note) note.remove();
    if (location.hash.startsWith('#/t/')) history.replaceState(null, '', '#/');
    textInput.focus();
  });

  form.addEventListener('submit', onTrace);

  // ---- corpus page --------------------------------------------------------------------------

  let statsLoaded = false;

  async function loadCorpus() {
    loadOutlets();
    if (statsLoaded) return;
    const status = $('corpus-status');
    hideError($('corpus-error'));
    setBusy(status, 'Loading index statistics…');
    try {
      const stats = await api('/v1/stats');
      statsLoaded = true;
      renderStats(stats);
      clear(status);
    } catch (err) {
      clear(status);
      showError($('corpus-error'), err);
    }
  }

  function renderStats(stats) {
    const dl = $('stats');
    clear(dl);
    const from = formatDate(stats.date_min);
    const to = formatDate(stats.date_max);
    const rows = [
      ['Documents', formatInt(stats.n_docs)],
      ['Outlets', formatInt(stats.n_outlets)],
      ['Date range', from || to
        ? [h('span', { class: 'nowrap' }, from || '?'), ' – ', h('span', { class: 'nowrap' }, to || '?')]
        : 'undated'],
      ['Size on disk', formatBytes(stats.bytes_on_disk)],
      ['Format version', stats.format_version === undefined ? '–' : String(stats.format_version)],
    ];
    for (const [label, value] of rows) dl.appendChild(h('div', null, h('dt', null, label), h('dd', null, value)));

    const ol = $('top-outlets');
    clear(ol);
    const top = stats.top_outlets || [];
    const max = Math.max(1, ...top.map((o) => o.n_docs || 0));
    for (const o of top) {
      ol.appendChild(h('li', null,
        o.outlet
          ? h('button', { type: 'button', class: 'name link-button', title: `Browse ${o.outlet}`, onclick: () => browseOutlet(o.outlet) }, o.outlet)
          : h('span', { class: 'name' }, '(no outlet)'),
        h('span', { class: 'bar', style: `width:${((o.n_docs || 0) / max) * 100}%`, 'aria-hidden': 'true' }),
        h('span', null, formatInt(o.n_docs))));
    }
    if (top.length === 0) ol.appendChild(h('li', null, 'No outlets recorded.'));
  }

  const outletSelect = $('f-outlet');
  const fromInput = $('f-from');
  const toInput = $('f-to');
  const moreButton = $('more-button');
  const SEARCH_PAGE = 20;
  let searchQuery = null;
  let searchShown = 0;
  let outletsLoaded = false;

  /// Fills the outlet filter from GET /v1/outlets (once).
  async function loadOutlets() {
    if (outletsLoaded) return;
    outletsLoaded = true;
    try {
      const data = await api('/v1/outlets');
      for (const o of data.outlets || []) {
        outletSelect.appendChild(h('option', { value: o.outlet }, `${o.outlet} (${formatInt(o.n_docs)})`));
      }
    } catch (err) {
      outletsLoaded = false;
      showError($('corpus-error'), err);
    }
  }

  /// The search as URL parameters, or null when nothing is asked.
  function searchParams() {
    const params = new URLSearchParams();
    const q = $('q').value.trim();
    if (q) params.set('q', q);
    if (outletSelect.value) params.set('outlet', outletSelect.value);
    if (fromInput.value) params.set('from', fromInput.value);
    if (toInput.value) params.set('to', toInput.value);
    return [...params.keys()].length ? params : null;
  }

  /// Words for what was asked: “storm” · Reuters · from 2015-09-01 to 2015-09-30.
  function searchWords(params) {
    const parts = [];
    if (params.get('q')) parts.push(`“${params.get('q')}”`);
    if (params.get('outlet')) parts.push(params.get('outlet'));
    const from = params.get('from');
    const to = params.get('to');
    if (from && to) parts.push(`from ${from} to ${to}`);
    else if (from) parts.push(`from ${from}`);
    else if (to) parts.push(`until ${to}`);
    return parts.join(' · ');
  }

  async function onSearch(event) {
    if (event) event.preventDefault();
    const status = $('search-status');
    hideError($('corpus-error'));
    const params = searchParams();
    if (!params) {
      status.textContent = 'Type an id or words of a title, or choose an outlet or dates.';
      return;
    }
    searchQuery = params;
    searchShown = 0;
    clear($('search-results'));
    await searchPage();
    showGraph(outletSelect.value);
  }

  /// Loads the next page of the current search and appends it.
  async function searchPage() {
    const status = $('search-status');
    const results = $('search-results');
    const params = new URLSearchParams(searchQuery);
    params.set('limit', String(SEARCH_PAGE));
    params.set('offset', String(searchShown));
    setBusy(status, 'Searching…');
    moreButton.hidden = true;
    try {
      const data = await api(`/v1/search?${params}`);
      const hits = Array.isArray(data) ? data : data.results || data.documents || data.hits || [];
      const total = !Array.isArray(data) && typeof data.total === 'number' ? data.total : hits.length;
      searchShown += hits.length;
      clear(status);
      const words = searchWords(searchQuery);
      const shown = total > searchShown ? `${searchShown} of ${formatInt(total)} results` : `${total} result${total === 1 ? '' : 's'}`;
      status.textContent = total ? `${shown} for ${words}.` : `Nothing matches ${words}.`;
      for (const hit of hits) {
        results.appendChild(h('li', null, h('button', { type: 'button', 'data-id': hit.id, onclick: () => showDocument(hit.id) },
          h('span', { class: 'r-title' }, hit.title || hit.id),
          h('span', { class: 'r-meta' }, [hit.outlet || hit.source, formatDate(hit.date), hit.id].filter(Boolean).join(' · ')))));
      }
      moreButton.hidden = searchShown >= total || hits.length === 0;
    } catch (err) {
      clear(status);
      showError($('corpus-error'), err);
    }
  }

  moreButton.addEventListener('click', () => searchPage());
  outletSelect.addEventListener('change', () => onSearch());

  /// Browses one outlet (from the top-outlets list).
  function browseOutlet(name) {
    $('q').value = '';
    if (![...outletSelect.options].some((o) => o.value === name)) outletSelect.appendChild(h('option', { value: name }, name));
    outletSelect.value = name;
    onSearch();
  }

  // ---- the copy graph of an outlet ----------------------------------------------------------

  let graphToken = 0;

  async function showGraph(outlet) {
    const card = $('graph-card');
    const el = $('graph');
    const status = $('graph-status');
    const token = (graphToken += 1);
    clear(el);
    clear(status);
    if (!outlet) {
      card.hidden = true;
      return;
    }
    card.hidden = false;
    $('graph-heading').textContent = `Copy graph of ${outlet}`;
    setBusy(status, 'Loading the copy graph…');
    let data;
    try {
      data = await api(`/v1/copy-graph?outlet=${encodeURIComponent(outlet)}`);
    } catch (err) {
      if (token !== graphToken) return;
      clear(status);
      if (err.code === 'no_copy_graph') {
        append(el, h('p', { class: 'hint' }, 'This server has no copy graph. Run ',
          h('code', null, 'unspun cluster --index DIR --out RUN'), ' and start the server with ',
          h('code', null, '--cluster RUN'), ' to see who this outlet takes text from and who takes from it.'));
      } else if (err.status === 404) {
        append(el, h('p', { class: 'hint' }, `The cluster run found no text taken from or by ${outlet}.`));
      } else {
        showError($('corpus-error'), err);
      }
      return;
    }
    if (token !== graphToken) return;
    clear(status);
    renderGraph(el, data);
  }

  const shorten = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const edgeFacts = (e) => {
    const n = e.n_chars || 0;
    const chars = n < 1000 ? `${n} characters` : `${(n / 1000).toFixed(n < 10000 ? 1 : 0)}k characters`;
    const parts = [`${formatInt(e.n_links)} link${e.n_links === 1 ? '' : 's'}`, chars];
    if (typeof e.median_lag_days === 'number') parts.push(`median ${e.median_lag_days.toFixed(e.median_lag_days < 10 ? 1 : 0)} days later`);
    return parts.join(' · ');
  };

  /// Draws the outlet in the middle, the outlets it takes from on the left (arrows into it)
  /// and those that take from it on the right (arrows out), line width by characters taken.
  function renderGraph(el, data) {
    const left = data.takes_from || [];
    const right = data.taken_by || [];
    const p = data.publisher || null;
    if (p) {
      const facts = [`${formatInt(p.n_docs)} document${p.n_docs === 1 ? '' : 's'}`];
      if (typeof p.reused_text_share === 'number') facts.push(`${percent(p.reused_text_share)} of its text taken from earlier documents`);
      if (typeof p.republished_share === 'number') facts.push(`${percent(p.republished_share)} of its documents copies or patchworks`);
      if (typeof p.median_lag_days === 'number') facts.push(`median lag ${p.median_lag_days.toFixed(1)} days`);
      el.appendChild(h('p', { class: 'graph-facts' }, facts.join(' · ')));
    }
    if (!left.length && !right.length) {
      el.appendChild(h('p', { class: 'hint' }, `In the cluster run ${data.run}, ${data.outlet} neither takes text from another outlet nor has its text taken.`));
      return;
    }
    const ns = 'http://www.w3.org/2000/svg';
    const svg = (tag, attrs, ...kids) => {
      const node = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
      for (const kid of kids) node.appendChild(typeof kid === 'string' ? document.createTextNode(kid) : kid);
      return node;
    };
    const rowH = 46;
    const rows = Math.max(left.length, right.length, 1);
    const height = rows * rowH + 50;
    const width = 720;
    const nodeW = 170;
    const cx = width / 2;
    const cy = height / 2 + 10;
    const maxChars = Math.max(1, ...left.concat(right).map((e) => e.n_chars || 0));
    const strokeW = (e) => 1.5 + 7 * Math.sqrt((e.n_chars || 0) / maxChars);
    const yOf = (i, n) => 40 + (height - 50) * ((i + 0.5) / n);
    const pic = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'graph-svg', role: 'img',
      'aria-label': `${data.outlet} takes text from ${data.n_takes_from} outlets; ${data.n_taken_by} outlets take its text` });
    pic.appendChild(svg('defs', null,
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: 12, markerHeight: 12, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'graph-arrow' }))));
    pic.appendChild(svg('text', { x: nodeW / 2 + 10, y: 20, class: 'graph-col', 'text-anchor': 'middle' }, `Takes text from (${data.n_takes_from})`));
    pic.appendChild(svg('text', { x: width - nodeW / 2 - 10, y: 20, class: 'graph-col', 'text-anchor': 'middle' }, `Its text taken by (${data.n_taken_by})`));
    const node = (x, y, label, sub, cls) => {
      const g = svg('g', { class: `graph-node ${cls}` });
      g.appendChild(svg('rect', { x: x - nodeW / 2, y: y - 17, width: nodeW, height: 34, rx: 8 }));
      g.appendChild(svg('text', { x, y: sub ? y - 2 : y + 5, 'text-anchor': 'middle', class: 'graph-label' }, shorten(label, 19)));
      if (sub) g.appendChild(svg('text', { x, y: y + 12, 'text-anchor': 'middle', class: 'graph-sub' }, sub));
      g.appendChild(svg('title', null, label));
      return g;
    };
    left.forEach((e, i) => {
      const y = yOf(i, left.length);
      const x1 = 10 + nodeW;
      const x2 = cx - nodeW / 2 - 4;
      pic.appendChild(svg('path', { d: `M ${x1} ${y} C ${(x1 + x2) / 2} ${y}, ${(x1 + x2) / 2} ${cy}, ${x2} ${cy}`, class: 'graph-edge in', 'stroke-width': strokeW(e), 'marker-end': 'url(#arrow)' },
        svg('title', null, `${e.outlet} → ${data.outlet}: ${edgeFacts(e)}`)));
      pic.appendChild(node(10 + nodeW / 2, y, e.outlet, `${formatInt(e.n_links)} link${e.n_links === 1 ? '' : 's'}`, 'graph-source'));
    });
    right.forEach((e, i) => {
      const y = yOf(i, right.length);
      const x1 = cx + nodeW / 2 + 4;
      const x2 = width - 10 - nodeW;
      pic.appendChild(svg('path', { d: `M ${x1} ${cy} C ${(x1 + x2) / 2} ${cy}, ${(x1 + x2) / 2} ${y}, ${x2} ${y}`, class: 'graph-edge out', 'stroke-width': strokeW(e), 'marker-end': 'url(#arrow)' },
        svg('title', null, `${data.outlet} → ${e.outlet}: ${edgeFacts(e)}`)));
      pic.appendChild(node(width - 10 - nodeW / 2, y, e.outlet, `${formatInt(e.n_links)} link${e.n_links === 1 ? '' : 's'}`, 'graph-copier'));
    });
    pic.appendChild(node(cx, cy, data.outlet, p ? `${formatInt(p.n_docs)} doc${p.n_docs === 1 ? '' : 's'}` : '', 'graph-centre'));
    el.appendChild(h('div', { class: 'graph-frame' }, pic));
    const list = (title, edges, total, arrow) => h('div', null,
      h('h3', null, title),
      edges.length
        ? h('ul', { class: 'graph-list' }, edges.map((e) => h('li', null,
          h('button', { type: 'button', class: 'link-button', onclick: () => browseOutlet(e.outlet) }, e.outlet), ` ${arrow} ${edgeFacts(e)}`)))
        : h('p', { class: 'hint' }, 'none'),
      total > edges.length ? h('p', { class: 'hint' }, `and ${formatInt(total - edges.length)} more`) : null);
    el.appendChild(h('div', { class: 'graph-lists' },
      list('Takes text from', left, data.n_takes_from, '→ it:'),
      list('Its text taken by', right, data.n_taken_by, 'took:')));
    el.appendChild(h('p', { class: 'hint' }, `From the cluster run ${data.run}. An arrow goes from the earlier outlet to the one that took its text; its width is the text taken.`));
  }

  async function showDocument(id) {
    const article = $('document');
    const status = $('search-status');
    setBusy(status, 'Loading the document…');
    try {
      const doc = await api(`/v1/documents/${encodeURIComponent(id)}`);
      clear(status);
      clear(article);
      const meta = [doc.source || doc.outlet, formatDate(doc.date)].filter(Boolean).join(' · ');
      append(article, [
        h('h2', { id: 'document-heading', tabindex: '-1' }, doc.title || '(untitled)'),
        h('p', { class: 'meta' }, meta, meta ? ' · ' : '', h('span', { class: 'mono' }, doc.id || id),
          doc.url && /^https?:\/\//i.test(doc.url) ? [' · ', h('a', { href: doc.url, target: '_blank', rel: 'noopener noreferrer' }, 'Open original', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))] : null),
        h('p', { class: 'doc-text' }, doc.text || ''),
      ]);
      article.hidden = false;
      $('document-heading').focus();
    } catch (err) {
      clear(status);
      showError($('corpus-error'), err);
    }
  }

  $('search-form').addEventListener('submit', onSearch);

  window.addEventListener('hashchange', route);
  route();

  // Exposed for tests and the console; the page does not depend on it.
  window.unspun = { wordDiff, get report() { return report; } };
})();
