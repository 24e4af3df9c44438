//! Main-content extraction from an HTML page: the article's text, title, date and URL, with
//! navigation, scripts, styles, comments, forms, share bars, related links and ads left out.
//!
//! Our own small extractor rather than a crate: the readability ports measured here cost a
//! lot of build for what a news page needs (`dom_smoothie` 0.19: 61 crates, +64 s of a cold
//! release build on 2 cores; `llm_readability`: 81 crates, +101 s; `readability` pulls
//! `reqwest` by default). The approach is readability's, reduced: a forgiving tokenizer (no
//! DOM), blocks (paragraphs, headings, list items, quotes) with their ancestors, boilerplate
//! zones dropped by tag and by class/id words, and the container whose paragraphs hold the
//! most text chosen as the article (an `<article>` or `itemprop="articleBody"` wins when
//! it holds real text). Quality is measured by `bench/ingest/warc_f1.py` (character F1
//! against the known article text).
//!
//! Bounded: the work is linear in the page, the page's size is bounded by the caller, and
//! nesting deeper than [`MAX_DEPTH`] is flattened.

use std::collections::HashMap;

/// Nesting kept on the element stack; deeper elements are treated as siblings.
const MAX_DEPTH: usize = 256;

/// What was found in a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractedPage {
    /// The article's text: paragraphs separated by a blank line.
    pub text: String,
    /// `og:title`, else `<title>` (without a trailing " | Site" part), else the first `<h1>`.
    pub title: Option<String>,
    /// The publication date as written in the page's metadata (`article:published_time`,
    /// `datePublished`, `<time datetime>`, ...), unparsed.
    pub date: Option<String>,
    /// `<link rel="canonical">` or `og:url`.
    pub url: Option<String>,
    /// `og:site_name`.
    pub site_name: Option<String>,
}

/// Whether `head` (the first bytes of a file, after white space) looks like HTML.
pub fn looks_like_html(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head).trim_ascii_start();
    let prefix: Vec<u8> = head.iter().take(256).map(u8::to_ascii_lowercase).collect();
    [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<meta",
        b"<title",
        b"<article",
        b"<div",
        b"<p>",
        b"<!--",
    ]
    .iter()
    .any(|start| prefix.starts_with(start))
        || (prefix.starts_with(b"<?xml") && memchr_html(&prefix))
}

fn memchr_html(prefix: &[u8]) -> bool {
    prefix.windows(5).any(|window| window == b"<html")
}

/// Tags whose content is never article text.
const DROPPED_TAGS: [&str; 17] = [
    "script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
    "button", "select", "iframe", "object", "figure", "menu", "dialog",
];

/// Tags whose content is raw text (not parsed for tags).
const RAW_TEXT_TAGS: [&str; 6] = ["script", "style", "textarea", "title", "xmp", "noscript"];

/// Class or id words that mark boilerplate.
const BOILERPLATE_WORDS: [&str; 34] = [
    "nav",
    "menu",
    "footer",
    "sidebar",
    "comment",
    "share",
    "social",
    "related",
    "promo",
    "advert",
    "ad",
    "ads",
    "adslot",
    "sponsor",
    "banner",
    "cookie",
    "newsletter",
    "subscribe",
    "signup",
    "breadcrumb",
    "breadcrumbs",
    "popup",
    "modal",
    "widget",
    "tags",
    "masthead",
    "recommended",
    "trending",
    "outbrain",
    "taboola",
    "paywall",
    "skip",
    "toolbar",
    "byline",
];

/// Class or id words that mark the article body.
const BODY_WORDS: [&str; 10] = [
    "article-body",
    "articlebody",
    "story-body",
    "entry-content",
    "post-content",
    "article-content",
    "story-content",
    "main-content",
    "article-text",
    "body-text",
];

/// Elements that end a block of text.
const BLOCK_TAGS: [&str; 22] = [
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "dd",
    "dt",
];

/// Void elements: never closed.
const VOID_TAGS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// An open element.
#[derive(Debug, Clone)]
struct Open {
    tag: String,
    /// Index of this element, unique in the page (containers are named by it).
    id: usize,
    dropped: bool,
    body_hint: bool,
}

/// A run of text between block boundaries.
#[derive(Debug, Clone)]
struct Block {
    text: String,
    /// Characters inside `<a>`.
    link_chars: usize,
    /// The tag of the innermost block element holding it (`p`, `h2`, `li`, `div`, ...).
    tag: String,
    /// The ids of the open elements, outermost first.
    ancestors: Vec<usize>,
    /// Inside an `<article>`, `<main>` or an element with a body class/id or
    /// `itemprop="articleBody"`.
    in_body_hint: Option<usize>,
}

/// Extracts the article from `html`.
pub fn extract(html: &str) -> ExtractedPage {
    let mut page = ExtractedPage::default();
    let mut meta: HashMap<String, String> = HashMap::new();
    let mut title_tag: Option<String> = None;
    let mut first_h1: Option<String> = None;
    let mut time_datetime: Option<String> = None;
    let mut json_ld_dates: Vec<String> = Vec::new();

    let mut stack: Vec<Open> = Vec::new();
    let mut next_id = 0usize;
    let mut blocks: Vec<Block> = Vec::new();
    let mut current = String::new();
    let mut current_links = 0usize;
    let mut link_depth = 0usize;
    let mut h1_open: Option<String> = None;

    let flush = |current: &mut String,
                 current_links: &mut usize,
                 stack: &[Open],
                 blocks: &mut Vec<Block>| {
        let text = collapse_space(current);
        current.clear();
        let links = std::mem::take(current_links);
        if text.is_empty() || stack.iter().any(|open| open.dropped) {
            return;
        }
        let tag = stack
            .iter()
            .rev()
            .find(|open| BLOCK_TAGS.contains(&open.tag.as_str()))
            .map_or_else(|| "body".to_owned(), |open| open.tag.clone());
        let in_body_hint = stack.iter().rev().find(|open| open.body_hint).map(|open| open.id);
        blocks.push(Block {
            text,
            link_chars: links,
            tag,
            ancestors: stack.iter().map(|open| open.id).collect(),
            in_body_hint,
        });
    };

    let bytes = html.as_bytes();
    let mut position = 0usize;
    while position < bytes.len() {
        let Some(lt) = html[position..].find('<').map(|offset| position + offset) else {
            push_text(
                &html[position..],
                &mut current,
                &mut current_links,
                link_depth,
                &mut h1_open,
            );
            break;
        };
        if lt > position {
            push_text(
                &html[position..lt],
                &mut current,
                &mut current_links,
                link_depth,
                &mut h1_open,
            );
        }
        let rest = &html[lt..];
        if rest.starts_with("<!--") {
            position = rest.find("-->").map_or(bytes.len(), |end| lt + end + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            position = rest.find('>').map_or(bytes.len(), |end| lt + end + 1);
            continue;
        }
        let Some(tag) = parse_tag(rest) else {
            // A lone `<` is text.
            push_text("<", &mut current, &mut current_links, link_depth, &mut h1_open);
            position = lt + 1;
            continue;
        };
        position = lt + tag.length;
        let name = tag.name.as_str();
        if tag.closing {
            if BLOCK_TAGS.contains(&name) || name == "br" {
                flush(&mut current, &mut current_links, &stack, &mut blocks);
            }
            if name == "a" {
                link_depth = link_depth.saturating_sub(1);
            }
            if name == "h1"
                && let Some(text) = h1_open.take()
                && first_h1.is_none()
            {
                let text = collapse_space(&text);
                if !text.is_empty() {
                    first_h1 = Some(text);
                }
            }
            if let Some(index) = stack.iter().rposition(|open| open.tag == name) {
                // Text inside a dropped element goes with it.
                if stack[index..].iter().any(|open| open.dropped) {
                    flush(&mut current, &mut current_links, &stack, &mut blocks);
                }
                stack.truncate(index);
            }
            continue;
        }
        match name {
            "meta" => {
                let key = tag
                    .attribute("property")
                    .or_else(|| tag.attribute("name"))
                    .or_else(|| tag.attribute("itemprop"))
                    .map(|key| key.to_ascii_lowercase());
                if let (Some(key), Some(content)) = (key, tag.attribute("content")) {
                    meta.entry(key).or_insert_with(|| decode_entities(content).trim().to_owned());
                }
                continue;
            }
            "link" => {
                if tag.attribute("rel").is_some_and(|rel| rel.eq_ignore_ascii_case("canonical"))
                    && let Some(href) = tag.attribute("href")
                {
                    page.url.get_or_insert_with(|| decode_entities(href));
                }
                continue;
            }
            "time" => {
                if let Some(datetime) = tag.attribute("datetime") {
                    time_datetime.get_or_insert_with(|| datetime.trim().to_owned());
                }
            }
            "a" if !tag.self_closing => link_depth += 1,
            "h1" => h1_open = Some(String::new()),
            _ => {}
        }
        if RAW_TEXT_TAGS.contains(&name) && !tag.self_closing {
            let close = format!("</{name}");
            let body_start = position;
            let body_end = find_ascii_case_insensitive(&html[body_start..], &close)
                .map_or(bytes.len(), |offset| body_start + offset);
            let body = &html[body_start..body_end];
            if name == "title" {
                title_tag.get_or_insert_with(|| collapse_space(&decode_entities(body)));
            } else if name == "script"
                && tag.attribute("type").is_some_and(|kind| kind.contains("ld+json"))
            {
                collect_json_ld_dates(body, &mut json_ld_dates);
            } else if name == "textarea" || name == "xmp" {
                // Form text or examples: not the article.
            }
            position = html[body_end..].find('>').map_or(bytes.len(), |end| body_end + end + 1);
            continue;
        }
        if BLOCK_TAGS.contains(&name) || name == "br" {
            flush(&mut current, &mut current_links, &stack, &mut blocks);
        }
        if VOID_TAGS.contains(&name) || tag.self_closing {
            continue;
        }
        // `<p>` closes an open `<p>` (HTML's implied end tags), and `<li>` an open `<li>`.
        if (name == "p" || name == "li")
            && let Some(index) = stack.iter().rposition(|open| open.tag == name)
            && stack[index + 1..]
                .iter()
                .all(|open| !BLOCK_TAGS.contains(&open.tag.as_str()) || open.tag == name)
        {
            stack.truncate(index);
        }
        if stack.len() >= MAX_DEPTH {
            continue;
        }
        let words = tag.class_and_id_words();
        let hidden = tag.attribute("hidden").is_some()
            || tag.attribute("aria-hidden").is_some_and(|value| value == "true")
            || tag
                .attribute("style")
                .is_some_and(|style| style.replace(' ', "").contains("display:none"));
        let role_boilerplate = tag.attribute("role").is_some_and(|role| {
            matches!(role, "navigation" | "banner" | "contentinfo" | "complementary" | "search")
        });
        let body_hint = matches!(name, "article" | "main")
            || tag
                .attribute("itemprop")
                .is_some_and(|prop| prop.eq_ignore_ascii_case("articleBody"))
            || words.iter().any(|word| BODY_WORDS.contains(&word.as_str()));
        let dropped = DROPPED_TAGS.contains(&name)
            || hidden
            || role_boilerplate
            || (!body_hint && is_boilerplate(&words));
        if dropped {
            flush(&mut current, &mut current_links, &stack, &mut blocks);
        }
        stack.push(Open { tag: name.to_owned(), id: next_id, dropped, body_hint });
        next_id += 1;
    }
    flush(&mut current, &mut current_links, &stack, &mut blocks);

    page.text = choose_article(&blocks);
    let site = meta.get("og:site_name").cloned().filter(|site| !site.is_empty());
    page.title = meta
        .get("og:title")
        .or_else(|| meta.get("twitter:title"))
        .cloned()
        .filter(|title| !title.is_empty())
        .or_else(|| title_tag.map(|title| strip_site_suffix(&title, site.as_deref())))
        .filter(|title| !title.is_empty())
        .or(first_h1);
    page.date = [
        "article:published_time",
        "og:published_time",
        "datepublished",
        "publishdate",
        "publish-date",
        "pubdate",
        "date",
        "dc.date",
        "dc.date.issued",
        "dcterms.created",
        "parsely-pub-date",
        "sailthru.date",
        "article.published",
    ]
    .iter()
    .find_map(|key| meta.get(*key).cloned().filter(|date| !date.is_empty()))
    .or_else(|| json_ld_dates.into_iter().next())
    .or(time_datetime);
    if page.url.is_none() {
        page.url = meta.get("og:url").cloned().filter(|url| !url.is_empty());
    }
    page.site_name = site;
    page
}

/// Adds decoded text to the current block (and to the open `<h1>`).
fn push_text(
    raw: &str,
    current: &mut String,
    current_links: &mut usize,
    link_depth: usize,
    h1_open: &mut Option<String>,
) {
    let text = decode_entities(raw);
    if link_depth > 0 {
        *current_links += text.chars().filter(|c| !c.is_whitespace()).count();
    }
    if let Some(h1) = h1_open {
        h1.push_str(&text);
    }
    current.push_str(&text);
}

/// Whether class or id words mark boilerplate (a whole word, or a `-`/`_` part of one:
/// `site-nav`, `share_bar`, `ad-slot`).
fn is_boilerplate(words: &[String]) -> bool {
    words.iter().any(|word| {
        BOILERPLATE_WORDS.contains(&word.as_str())
            || word.split(['-', '_']).any(|part| BOILERPLATE_WORDS.contains(&part))
    })
}

/// Picks the blocks of the article and joins them.
fn choose_article(blocks: &[Block]) -> String {
    // Real paragraphs: not mostly links, and long enough to be prose.
    let is_prose = |block: &Block| {
        let n_chars = block.text.chars().count();
        block.link_chars * 2 < n_chars && (n_chars >= 25 || block.tag == "p")
    };
    // Score each container (the parent of each prose block) by its prose.
    let mut scores: HashMap<usize, usize> = HashMap::new();
    for block in blocks.iter().filter(|block| is_prose(block)) {
        let n_chars = block.text.chars().count();
        // The parent and, at half weight, the grandparent (readability's rule).
        let n_ancestors = block.ancestors.len();
        if n_ancestors >= 2 {
            *scores.entry(block.ancestors[n_ancestors - 2]).or_default() += n_chars * 2;
        }
        if n_ancestors >= 3 {
            *scores.entry(block.ancestors[n_ancestors - 3]).or_default() += n_chars;
        }
    }
    // A body hint that holds most of the page's prose wins.
    let mut hinted: HashMap<usize, usize> = HashMap::new();
    let total: usize = blocks.iter().filter(|b| is_prose(b)).map(|b| b.text.chars().count()).sum();
    for block in blocks.iter().filter(|block| is_prose(block)) {
        if let Some(hint) = block.in_body_hint {
            *hinted.entry(hint).or_default() += block.text.chars().count();
        }
    }
    let best_hint =
        hinted.iter().max_by_key(|&(id, n)| (*n, usize::MAX - id)).map(|(id, n)| (*id, *n));
    let container = match best_hint {
        Some((id, n_chars)) if n_chars * 2 >= total => Some(id),
        _ => scores.iter().max_by_key(|&(id, score)| (*score, usize::MAX - id)).map(|(id, _)| *id),
    };
    let Some(container) = container else {
        return blocks.iter().map(|block| block.text.as_str()).collect::<Vec<_>>().join("\n\n");
    };
    let kept: Vec<&str> = blocks
        .iter()
        .filter(|block| block.ancestors.contains(&container))
        // The headline is the title, not the text.
        .filter(|block| block.tag != "h1")
        .filter(|block| {
            let n_chars = block.text.chars().count();
            // Headings and short lines inside the body stay unless they are link lists.
            block.link_chars * 2 < n_chars || n_chars >= 200
        })
        .map(|block| block.text.as_str())
        .collect();
    kept.join("\n\n")
}

/// `<title>` without a trailing " | Site", " - Site" or " — Site" part.
fn strip_site_suffix(title: &str, site: Option<&str>) -> String {
    for separator in [" | ", " - ", " — ", " – ", " :: "] {
        if let Some((head, tail)) = title.rsplit_once(separator) {
            let tail_is_site = site
                .is_some_and(|site| tail.trim().eq_ignore_ascii_case(site.trim()))
                || tail.split_whitespace().count() <= 4;
            if tail_is_site && head.split_whitespace().count() >= 2 {
                return head.trim().to_owned();
            }
        }
    }
    title.trim().to_owned()
}

/// Dates in JSON-LD (`datePublished`), searched in any nesting.
fn collect_json_ld_dates(body: &str, out: &mut Vec<String>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body.trim()) else { return };
    fn walk(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
        if depth > 8 {
            return;
        }
        match value {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::String(date)) = object.get("datePublished") {
                    out.push(date.clone());
                }
                for member in object.values() {
                    walk(member, out, depth + 1);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, out, depth + 1);
                }
            }
            _ => {}
        }
    }
    walk(&value, out, 0);
}

/// A parsed start or end tag.
struct Tag<'a> {
    name: String,
    closing: bool,
    self_closing: bool,
    attributes: Vec<(String, &'a str)>,
    /// Bytes from `<` to `>` inclusive.
    length: usize,
}

impl Tag<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| *value)
    }

    /// The words of `class` and `id`, lower case.
    fn class_and_id_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        for key in ["class", "id"] {
            if let Some(value) = self.attribute(key) {
                words.extend(value.split_whitespace().map(str::to_ascii_lowercase));
            }
        }
        words
    }
}

/// Parses the tag at the start of `input` (which starts with `<`); `None` when it is not a
/// tag (`<` followed by a space or a digit, as in `a < b`).
fn parse_tag(input: &str) -> Option<Tag<'_>> {
    let bytes = input.as_bytes();
    let mut index = 1;
    let closing = bytes.get(index) == Some(&b'/');
    if closing {
        index += 1;
    }
    let name_start = index;
    while index < bytes.len()
        && (bytes[index].is_ascii_alphanumeric() || bytes[index] == b'-' || bytes[index] == b':')
    {
        index += 1;
    }
    if index == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = input[name_start..index].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut self_closing = false;
    loop {
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        match bytes.get(index) {
            None => {
                return Some(Tag { name, closing, self_closing, attributes, length: bytes.len() });
            }
            Some(b'>') => {
                return Some(Tag { name, closing, self_closing, attributes, length: index + 1 });
            }
            Some(b'/') => {
                self_closing = true;
                index += 1;
                continue;
            }
            _ => {}
        }
        let key_start = index;
        let ends_key = |index: usize| match bytes.get(index) {
            None | Some(b'=' | b'>') => true,
            Some(b'/') => bytes.get(index + 1) == Some(&b'>'),
            Some(byte) => byte.is_ascii_whitespace(),
        };
        while !ends_key(index) {
            index += 1;
        }
        let key = input[key_start..index].to_ascii_lowercase();
        while index < bytes.len() && bytes[index].is_ascii_whitespace() {
            index += 1;
        }
        let mut value = "";
        if bytes.get(index) == Some(&b'=') {
            index += 1;
            while index < bytes.len() && bytes[index].is_ascii_whitespace() {
                index += 1;
            }
            match bytes.get(index) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let start = index + 1;
                    let end =
                        input[start..].find(quote as char).map_or(bytes.len(), |end| start + end);
                    value = &input[start..end];
                    index = (end + 1).min(bytes.len());
                }
                _ => {
                    let start = index;
                    while index < bytes.len()
                        && !bytes[index].is_ascii_whitespace()
                        && bytes[index] != b'>'
                    {
                        index += 1;
                    }
                    value = &input[start..index];
                }
            }
        }
        if key.is_empty() {
            index += 1;
            continue;
        }
        attributes.push((key, value));
    }
}

/// The byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack.as_bytes().windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

/// White space runs (including non-breaking spaces) collapsed to one space, trimmed.
fn collapse_space(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Decodes character references: numeric ones and the named ones news pages use.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.bytes().take(34).position(|byte| byte == b';');
        let decoded = end.and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((decoded, end)) => {
                out.push_str(decoded.as_str());
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One reference without `&` and `;`.
fn decode_entity(name: &str) -> Option<String> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return Some(char::from_u32(code).filter(|&c| c != '\0').unwrap_or('\u{fffd}').to_string());
    }
    let c = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "rsquo" => "\u{2019}",
        "lsquo" => "\u{2018}",
        "rdquo" => "\u{201d}",
        "ldquo" => "\u{201c}",
        "sbquo" => "\u{201a}",
        "bdquo" => "\u{201e}",
        "mdash" => "\u{2014}",
        "ndash" => "\u{2013}",
        "hellip" => "\u{2026}",
        "laquo" => "\u{ab}",
        "raquo" => "\u{bb}",
        "lsaquo" => "\u{2039}",
        "rsaquo" => "\u{203a}",
        "bull" => "\u{2022}",
        "middot" => "\u{b7}",
        "copy" => "\u{a9}",
        "reg" => "\u{ae}",
        "trade" => "\u{2122}",
        "deg" => "\u{b0}",
        "pound" => "\u{a3}",
        "euro" => "\u{20ac}",
        "yen" => "\u{a5}",
        "cent" => "\u{a2}",
        "sect" => "\u{a7}",
        "para" => "\u{b6}",
        "times" => "\u{d7}",
        "divide" => "\u{f7}",
        "frac12" => "\u{bd}",
        "frac14" => "\u{bc}",
        "frac34" => "\u{be}",
        "shy" => "\u{ad}",
        "thinsp" => "\u{2009}",
        "ensp" => "\u{2002}",
        "emsp" => "\u{2003}",
        "zwj" => "\u{200d}",
        "zwnj" => "\u{200c}",
        "prime" => "\u{2032}",
        "Prime" => "\u{2033}",
        "eacute" => "é",
        "Eacute" => "É",
        "egrave" => "è",
        "ecirc" => "ê",
        "euml" => "ë",
        "aacute" => "á",
        "agrave" => "à",
        "acirc" => "â",
        "auml" => "ä",
        "Auml" => "Ä",
        "atilde" => "ã",
        "aring" => "å",
        "ccedil" => "ç",
        "Ccedil" => "Ç",
        "iacute" => "í",
        "igrave" => "ì",
        "icirc" => "î",
        "iuml" => "ï",
        "ntilde" => "ñ",
        "Ntilde" => "Ñ",
        "oacute" => "ó",
        "ograve" => "ò",
        "ocirc" => "ô",
        "ouml" => "ö",
        "Ouml" => "Ö",
        "otilde" => "õ",
        "oslash" => "ø",
        "uacute" => "ú",
        "ugrave" => "ù",
        "ucirc" => "û",
        "uuml" => "ü",
        "Uuml" => "Ü",
        "szlig" => "ß",
        "iexcl" => "¡",
        "iquest" => "¿",
        _ => return None,
    };
    Some(c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r##"<!DOCTYPE html>
<html><head>
<title>Senate passes spending bill | The Daily Planet</title>
<meta property="og:site_name" content="The Daily Planet">
<meta property="article:published_time" content="2017-03-01T10:00:00Z">
<link rel="canonical" href="https://planet.example/politics/senate-bill?x=1&amp;y=2">
<script>var ads = "<p>not text</p>";</script>
<style>p { color: red }</style>
</head><body>
<header class="site-header"><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<div class="ad-slot">Buy now! Limited offer for our readers today only.</div>
<div id="content"><article>
<h1>Senate passes spending bill</h1>
<p class="byline">By A. Reporter</p>
<p>The Senate passed the spending bill by a vote of 68 to 30 late on Thursday, sending it to the House.</p>
<!-- <p>A commented-out paragraph.</p> -->
<p>House&#39;s leaders said they would vote next week &mdash; &ldquo;quickly,&rdquo; one said.
<p>Critics called the bill <a href="/x">a giveaway</a> to donors.</p>
<div class="share-bar"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
</article>
<aside class="related"><h3>Related</h3><ul><li><a href="/a">Another story about the Senate and the bill</a></li></ul></aside>
</div>
<footer>© 2017 The Daily Planet. All rights reserved.</footer>
</body></html>"##;

    #[test]
    fn article_page() {
        let page = extract(PAGE);
        assert_eq!(
            page.text,
            "The Senate passed the spending bill by a vote of 68 to 30 late on Thursday, sending \
             it to the House.\n\n\
             House's leaders said they would vote next week \u{2014} \u{201c}quickly,\u{201d} one \
             said.\n\n\
             Critics called the bill a giveaway to donors."
        );
        assert_eq!(page.title.as_deref(), Some("Senate passes spending bill"));
        assert_eq!(page.date.as_deref(), Some("2017-03-01T10:00:00Z"));
        assert_eq!(
            page.url.as_deref(),
            Some("https://planet.example/politics/senate-bill?x=1&y=2")
        );
        assert_eq!(page.site_name.as_deref(), Some("The Daily Planet"));
    }

    #[test]
    fn without_article_tag_the_densest_container_wins() {
        let html = "<html><body><div class=menu><p>Home</p><p>Sport</p></div>\
            <div class=c><div class=text><p>First paragraph of the real story, with enough words in it.</p>\
            <p>Second paragraph of the real story, also long enough to count as prose here.</p></div></div>\
            <div><p><a href=/1>Link one is here</a> and <a href=/2>link two</a></p></div>\
            <script type=\"application/ld+json\">{\"@graph\":[{\"datePublished\":\"2020-01-02\"}]}</script>\
            </body></html>";
        let page = extract(html);
        assert_eq!(
            page.text,
            "First paragraph of the real story, with enough words in it.\n\n\
             Second paragraph of the real story, also long enough to count as prose here."
        );
        assert_eq!(page.date.as_deref(), Some("2020-01-02"));
        assert_eq!(page.title, None);
    }

    #[test]
    fn odd_markup_never_panics() {
        for html in [
            "<",
            "<p",
            "<a href='x",
            "</>",
            "<<>>",
            "a < b > c",
            "<!--",
            "&#xffffff;&#0;&",
            "<p>é&eacute;</p>",
            "<title>x",
        ] {
            let _ = extract(html);
        }
        assert_eq!(decode_entities("a &amp; b &bogus; &#x41;&#66; &"), "a & b &bogus; AB &");
        assert!(looks_like_html(b"\n <!DOCTYPE HTML>"));
        assert!(!looks_like_html(b"{\"id\":1}"));
    }
}
