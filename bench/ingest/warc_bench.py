#!/usr/bin/env python3
"""Extraction quality and ingest speed of WARC input (#12).

Renders real articles of ../shared/data as news pages with realistic boilerplate around them
(navigation, cookie and subscription banners, ads between paragraphs, share bars, related
links, most-read lists, reader comments, footers, scripts, JSON-LD), in five page layouts,
writes them as a Common Crawl style WARC.gz (one gzip member per record: warcinfo, then
request, response and metadata per page, plus a few non-HTML and error responses), and the
same articles as JSON Lines .gz. Then:

- indexes both with `unspun index` and prints wall time, documents/s and input MB/s
  (compressed and uncompressed) for each, and the ratio;
- serves the WARC index (`unspun serve`), reads every page's document back through
  `GET /v1/documents/{id}` and scores the extracted text against the article's true text:
  character-level precision, recall and F1 (words aligned with difflib's matching blocks,
  weighted by their characters), per layout and overall, plus how many titles and dates
  came out right.

With --compare-dom-smoothie, the same pages are also given to `dom_smoothie` (a readability
port, bench/ingest/dom_smoothie_compare.rs built in a scratch crate under --out) and scored
the same way, to compare our extractor with a maintained crate.

Usage: python3 bench/ingest/warc_bench.py [--bin target/release/unspun] [--pages 300]
           [--out /tmp/unspun-warc-bench] [--data ../shared/data] [--compare-dom-smoothie]
Nothing is written into the repository.
"""

import argparse
import difflib
import gzip
import html
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

CORPORA = [
    ("allsides/articles.jsonl.gz", 0.45),
    ("isot_sample/articles.jsonl.gz", 0.15),
    ("fakehealth/articles.jsonl.gz", 0.15),
    ("basil/articles.jsonl.gz", 0.10),
    ("bbc/articles.jsonl.gz", 0.15),
]

WORDS = (
    "council budget minister election market energy climate health school police court "
    "transport housing football weather science travel business culture opinion video"
).split()


def load_articles(data_dir, n_pages, rng):
    """Articles with a title and 400-20,000 characters of text, drawn from several corpora."""
    chosen = []
    for path, share in CORPORA:
        rows = []
        with gzip.open(os.path.join(data_dir, path), "rt", encoding="utf-8") as f:
            for line in f:
                record = json.loads(line)
                text = (record.get("text") or "").strip()
                if record.get("title") and 400 <= len(text) <= 20000:
                    rows.append(record)
        rng.shuffle(rows)
        chosen.extend(rows[: max(1, round(n_pages * share))])
    rng.shuffle(chosen)
    return chosen[:n_pages]


def paragraphs(text):
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def inline_markup(paragraph, rng):
    """Escapes a paragraph and wraps a few words in links or emphasis, as pages do."""
    words = paragraph.split(" ")
    out = []
    for word in words:
        escaped = html.escape(word, quote=True)
        roll = rng.random()
        if roll < 0.02:
            escaped = f'<a href="/topic/{rng.choice(WORDS)}">{escaped}</a>'
        elif roll < 0.03:
            escaped = f"<em>{escaped}</em>"
        out.append(escaped)
    return " ".join(out)


def teaser_list(rng, n, cls):
    items = "".join(
        f'<li><a href="/{rng.choice(WORDS)}/{rng.randrange(10**6)}">'
        f"{' '.join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(5, 11)))}</a></li>"
        for _ in range(n)
    )
    return f'<ul class="{cls}">{items}</ul>'


def comments(rng, n):
    body = "".join(
        f'<div class="comment"><span class="author">reader{rng.randrange(999)}</span>'
        f"<p>{' '.join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))}.</p></div>"
        for _ in range(n)
    )
    return f'<section id="comments" class="comments"><h3>{n} comments</h3>{body}</section>'


HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title_html} | {site}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{title_attr}">
<meta property="og:site_name" content="{site}">
<meta property="og:type" content="article">
{date_meta}
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/site.css">
<script async src="https://ads.example/tag.js"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}
gtag('config', 'UA-000000'); var t = "<p>not text</p>";</script>
<style>.ad{{min-height:250px}} p{{line-height:1.6}}</style>
{json_ld}
</head>"""

NAV = """<header class="site-header"><div class="logo"><a href="/">{site}</a></div>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/business">Business</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>
<form class="search" action="/search"><input name="q" placeholder="Search"><button>Go</button></form>
</header>
<div class="cookie-banner" role="dialog">We use cookies to improve your experience on our
site and to show you relevant advertising. By continuing you agree to our cookie policy.
<button>Accept</button></div>"""

FOOTER = """<footer class="site-footer"><p>&copy; 2019 {site}. All rights reserved. No part of
this site may be reproduced without our written permission.</p><p>Registered office: 1 Example
Street, London. Company number 0000000.</p><ul><li><a href="/privacy">Privacy</a></li>
<li><a href="/terms">Terms</a></li><li><a href="/contact">Contact us</a></li></ul></footer>"""

AD = """<div class="ad ad-inline" data-slot="{n}"><span>Advertisement</span>
<div id="div-gpt-ad-{n}"></div></div>"""

NEWSLETTER = """<div class="newsletter-signup"><h4>Get the morning briefing</h4><p>Sign up
for our free newsletter and get the day's top stories delivered to your inbox every morning
before breakfast.</p><form><input type="email"><button>Sign up</button></form></div>"""

SHARE = """<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Share on
Twitter</a> <a href="#">Email</a> <a href="#">Copy link</a></div>"""


def body_paragraphs(paras, rng, ads=True):
    out = []
    for index, para in enumerate(paras):
        out.append(f"<p>{inline_markup(para, rng)}</p>")
        if ads and index in (1, 5) and len(paras) > index + 2:
            out.append(AD.format(n=index))
        if index == 3 and len(paras) > 6:
            out.append(NEWSLETTER)
    return "\n".join(out)


def render(article, layout, rng, site, url):
    title = article["title"]
    paras = paragraphs(article["text"])
    date = article.get("date")
    date_meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    json_ld = ""
    if date and layout in (1, 4):
        date_meta = ""  # only in JSON-LD
        json_ld = (
            '<script type="application/ld+json">'
            + json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                          "headline": title, "datePublished": date})
            + "</script>"
        )
    head = HEAD.format(
        title_html=html.escape(title, quote=False), title_attr=html.escape(title), site=site,
        url=url, date_meta=date_meta, json_ld=json_ld,
    )
    nav = NAV.format(site=site)
    footer = FOOTER.format(site=site)
    byline = f'<p class="byline">By Staff Reporter</p>'
    if layout == 0:  # semantic: <article> inside <main>, aside with related links
        body = (
            f"<body>{nav}<main><article><h1>{html.escape(title)}</h1>{byline}"
            f"<time datetime=\"{date or ''}\"></time>"
            f"{body_paragraphs(paras, rng)}{SHARE}</article>"
            f"<aside class=\"related\"><h2>Related</h2>{teaser_list(rng, 5, 'related-list')}</aside>"
            f"</main>{footer}</body>"
        )
    elif layout == 1:  # no <article>: a story-body div, a most-read sidebar, comments
        body = (
            f"<body>{nav}<div class=\"container\"><div class=\"col-main\">"
            f"<h1 class=\"headline\">{html.escape(title)}</h1>"
            f"<div class=\"story-body\">{body_paragraphs(paras, rng)}</div>{SHARE}"
            f"{comments(rng, rng.randint(2, 6))}</div>"
            f"<div class=\"sidebar\"><h3>Most read</h3>{teaser_list(rng, 8, 'most-read')}</div>"
            f"</div>{footer}</body>"
        )
    elif layout == 2:  # generic divs, no hints; teaser paragraphs beside the story
        teasers = "".join(
            f"<div class=\"teaser\"><h4><a href=\"/t/{i}\">{rng.choice(WORDS).capitalize()} "
            f"{rng.choice(WORDS)}</a></h4><p>{' '.join(rng.choice(WORDS) for _ in range(18))}.</p></div>"
            for i in range(4)
        )
        body = (
            f"<body>{nav}<div id=\"page\"><div id=\"main\"><div class=\"content\">"
            f"<h1>{html.escape(title)}</h1>{body_paragraphs(paras, rng, ads=False)}</div></div>"
            f"<div class=\"col\">{teasers}</div></div>{footer}</body>"
        )
    elif layout == 3:  # old style: one cell, paragraphs split by <br><br>, table layout
        joined = "<br><br>\n".join(inline_markup(p, rng) for p in paras)
        body = (
            "<body><table width=\"100%\"><tr><td class=\"menu\" width=\"150\">"
            + "".join(f"<a href=\"/{w}\">{w}</a><br>" for w in WORDS[:10])
            + f"</td><td><font size=\"5\"><b>{html.escape(title)}</b></font><br><br>"
            f"<font face=\"Arial\">{joined}</font></td></tr></table>{footer}</body>"
        )
    else:  # itemprop articleBody, figure with caption, "read more" links in the body
        figure = ("<figure><img src=\"/img/1.jpg\" alt=\"\"><figcaption>A photo from the "
                  "scene, supplied by a reader of this site.</figcaption></figure>")
        body_html = body_paragraphs(paras, rng)
        body = (
            f"<body>{nav}<div class=\"wrapper\"><div class=\"article\" itemprop=\"articleBody\">"
            f"<h1>{html.escape(title)}</h1>{figure}{body_html}"
            f"<p class=\"read-more\"><a href=\"/r/1\">Read more: {rng.choice(WORDS)} "
            f"{rng.choice(WORDS)} news</a></p></div>"
            f"<div class=\"promo\"><p>Try our app: breaking news alerts, puzzles and "
            f"podcasts, free for 30 days.</p></div></div>{footer}</body>"
        )
    return f"{head}\n{body}\n</html>\n"


def warc_record(kind, uri, block, content_type, date="2019-06-01T12:00:00Z"):
    header = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Date: {date}\r\n"
        + (f"WARC-Target-URI: {uri}\r\n" if uri else "")
        + f"Content-Type: {content_type}\r\nContent-Length: {len(block)}\r\n\r\n"
    ).encode()
    return gzip.compress(header + block + b"\r\n\r\n", compresslevel=6)


def http_response(body, content_type, status="200 OK"):
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Server: nginx\r\nCache-Control: max-age=60\r\n\r\n"
    ).encode() + body


def norm(text):
    return re.sub(r"\s+", " ", html.unescape(text or "")).strip()


def char_f1(extracted, truth):
    """Precision, recall, F1 over characters of words aligned in order."""
    a, b = norm(extracted).split(" "), norm(truth).split(" ")
    if not a or not b:
        return 0.0, 0.0, 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(
        sum(len(word) + 1 for word in a[block.a: block.a + block.size])
        for block in matcher.get_matching_blocks()
    )
    len_a = sum(len(word) + 1 for word in a)
    len_b = sum(len(word) + 1 for word in b)
    precision, recall = matched / len_a, matched / len_b
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def run_index(binary, index_dir, corpus):
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    out = subprocess.run(
        [binary, "index", "--quiet", "--json", "--index", index_dir, corpus],
        capture_output=True, text=True,
    )
    wall = time.perf_counter() - started
    if out.returncode != 0:
        sys.exit(f"unspun index {corpus} failed ({out.returncode}):\n{out.stderr}")
    return wall, json.loads(out.stdout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(root, "target", "release", "unspun"))
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--out", default="/tmp/unspun-warc-bench")
    parser.add_argument("--data", default=os.path.join(root, "..", "shared", "data"))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--compare-dom-smoothie", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    articles = load_articles(args.data, args.pages, rng)
    sites = ["The Daily Planet", "Gazette", "Northern Echo Online", "Metro Wire", "City Post"]
    warc_path = os.path.join(args.out, "pages.warc.gz")
    jsonl_path = os.path.join(args.out, "pages.jsonl.gz")
    truth = {}
    uncompressed_warc = 0
    with open(warc_path, "wb") as warc, gzip.open(jsonl_path, "wt", encoding="utf-8") as jsonl:
        info = b"software: unspun bench/ingest/warc_bench.py\r\nformat: WARC File Format 1.0\r\n"
        warc.write(warc_record("warcinfo", None, info, "application/warc-fields"))
        for index, article in enumerate(articles):
            layout = index % 5
            host = f"www.site{layout}.example"
            url = f"https://{host}/news/{index:05d}-{re.sub(r'[^a-z0-9]+', '-', article['title'].lower())[:40]}"
            site = sites[layout]
            page = render(article, layout, rng, site, url).encode("utf-8")
            request = f"GET {urllib.parse.urlparse(url).path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
            response = http_response(page, "text/html; charset=utf-8")
            uncompressed_warc += len(page)
            warc.write(warc_record("request", url, request, "application/http; msgtype=request"))
            warc.write(warc_record("response", url, response, "application/http; msgtype=response"))
            warc.write(warc_record("metadata", url, b"fetchTimeMs: 120\r\n", "application/warc-fields"))
            if index % 25 == 0:  # the crawl also fetched an image and a missing page
                image = http_response(bytes(rng.randrange(256) for _ in range(2000)), "image/jpeg")
                warc.write(warc_record("response", f"https://{host}/img/{index}.jpg", image,
                                       "application/http; msgtype=response"))
                gone = http_response(b"<html>Not found</html>", "text/html", "404 Not Found")
                warc.write(warc_record("response", f"https://{host}/gone/{index}", gone,
                                       "application/http; msgtype=response"))
            truth[url] = (article, layout, site)
            if args.compare_dom_smoothie:
                os.makedirs(os.path.join(args.out, "pages"), exist_ok=True)
                with open(os.path.join(args.out, "pages", f"{index:05d}.html"), "wb") as f:
                    f.write(page)
            jsonl.write(json.dumps({
                "id": url, "title": article["title"], "text": article["text"],
                "date": article.get("date"), "source": site, "url": url,
            }) + "\n")

    print(f"{len(articles)} pages from {', '.join(p for p, _ in CORPORA)}")
    sizes = {p: os.path.getsize(p) for p in (warc_path, jsonl_path)}
    results = {}
    for name, path in (("warc.gz", warc_path), ("jsonl.gz", jsonl_path)):
        wall, summary = run_index(args.bin, os.path.join(args.out, f"idx-{name}"), path)
        results[name] = (wall, summary)
        n_docs = summary["n_added"]
        print(
            f"{name:9} {sizes[path] / 1e6:6.1f} MB in {wall:5.2f} s: {n_docs} docs, "
            f"{n_docs / wall:6.0f} docs/s, {sizes[path] / 1e6 / wall:5.1f} MB/s compressed, "
            f"skipped {summary['skipped_by_reason']}"
        )
    print(f"warc.gz / jsonl.gz wall time: {results['warc.gz'][0] / results['jsonl.gz'][0]:.2f}x "
          f"(uncompressed HTML {uncompressed_warc / 1e6:.1f} MB, "
          f"{uncompressed_warc / 1e6 / results['warc.gz'][0]:.1f} MB/s of HTML)")

    port = free_port()
    server = subprocess.Popen(
        [args.bin, "serve", "--index", os.path.join(args.out, "idx-warc.gz"),
         "--addr", f"127.0.0.1:{port}", "--log-format", "off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        scores = {}
        titles_ok = dates_ok = n_dated = missing = 0
        worst = []
        for url, (article, layout, site) in truth.items():
            quoted = urllib.parse.quote(url, safe="")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/documents/{quoted}") as r:
                    doc = json.load(r)
            except urllib.error.HTTPError:
                missing += 1
                scores.setdefault(layout, []).append((0.0, 0.0, 0.0))
                continue
            p, r_, f = char_f1(doc["text"], article["text"])
            scores.setdefault(layout, []).append((p, r_, f))
            worst.append((f, url, layout))
            titles_ok += norm(doc.get("title")) == norm(article["title"])
            if article.get("date"):
                n_dated += 1
                dates_ok += (doc.get("date") or "")[:10] == article["date"][:10]
    finally:
        server.terminate()
        server.wait()

    def mean(values):
        return sum(values) / max(1, len(values))

    names = ["article+aside", "story-body+comments", "plain divs+teasers", "table+<br>", "articleBody+promo"]
    everything = [s for layout in scores.values() for s in layout]
    print("extraction, character-level (words aligned in order, weighted by characters):")
    for layout in sorted(scores):
        s = scores[layout]
        print(f"  layout {layout} {names[layout]:22} n={len(s):3}  P {mean([x[0] for x in s]):.3f}  "
              f"R {mean([x[1] for x in s]):.3f}  F1 {mean([x[2] for x in s]):.3f}")
    print(f"  all {len(everything)} pages: P {mean([x[0] for x in everything]):.3f}  "
          f"R {mean([x[1] for x in everything]):.3f}  F1 {mean([x[2] for x in everything]):.3f}"
          f"  (missing {missing})")
    print(f"  titles exact {titles_ok}/{len(truth)}, dates right {dates_ok}/{n_dated}")
    for f, url, layout in sorted(worst)[:3]:
        print(f"  lowest: F1 {f:.3f} layout {layout} {url}")
    assert everything, "no page was scored"
    if args.compare_dom_smoothie:
        compare_dom_smoothie(args, here, truth, names, mean)


def compare_dom_smoothie(args, here, truth, names, mean):
    crate = os.path.join(args.out, "dom-smoothie-compare")
    os.makedirs(os.path.join(crate, "src"), exist_ok=True)
    with open(os.path.join(crate, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "dom-smoothie-compare"\nversion = "0.1.0"\nedition = "2024"\n'
                '[dependencies]\ndom_smoothie = "0.19"\nserde_json = "1"\n[workspace]\n')
    shutil.copy(os.path.join(here, "dom_smoothie_compare.rs"), os.path.join(crate, "src", "main.rs"))
    started = time.perf_counter()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=crate, check=True)
    print(f"dom_smoothie: built in {time.perf_counter() - started:.0f} s")
    files = sorted(os.listdir(os.path.join(args.out, "pages")))
    started = time.perf_counter()
    out = subprocess.run(
        [os.path.join(crate, "target", "release", "dom-smoothie-compare")]
        + [os.path.join(args.out, "pages", name) for name in files],
        capture_output=True, text=True, check=True,
    )
    wall = time.perf_counter() - started
    texts = [json.loads(line)["text"] for line in out.stdout.splitlines()]
    scores = {}
    for (url, (article, layout, _)), text in zip(truth.items(), texts):
        scores.setdefault(layout, []).append(char_f1(text, article["text"]))
    everything = [s for layout in scores.values() for s in layout]
    print(f"dom_smoothie on the same pages ({len(files)} in {wall:.2f} s):")
    for layout in sorted(scores):
        s = scores[layout]
        print(f"  layout {layout} {names[layout]:22} n={len(s):3}  P {mean([x[0] for x in s]):.3f}  "
              f"R {mean([x[1] for x in s]):.3f}  F1 {mean([x[2] for x in s]):.3f}")
    print(f"  all {len(everything)} pages: P {mean([x[0] for x in everything]):.3f}  "
          f"R {mean([x[1] for x in everything]):.3f}  F1 {mean([x[2] for x in everything]):.3f}")


if __name__ == "__main__":
    main()
