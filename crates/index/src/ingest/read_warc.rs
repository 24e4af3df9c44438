//! Reading WARC records as documents for [`super::CorpusReader`]: HTML pages extracted in
//! parallel batches, WET text records as they are.

use super::*;

/// Most WARC records read ahead and extracted together.
pub(super) const WARC_BATCH_RECORDS: usize = 64;

/// Most payload bytes read ahead (a record over it is read alone).
pub(super) const WARC_BATCH_BYTES: usize = 8 << 20;

/// A WARC file being read: records are read ahead in small batches and their pages
/// extracted in parallel (the extraction costs more than the reading), then handed out in
/// order. Memory: at most [`WARC_BATCH_BYTES`] of payload (or one record) plus its results.
pub(super) struct WarcState {
    pub(super) reader: WarcReader,
    pub(super) ready: VecDeque<(RecordResult, Option<RecordWarning>)>,
    /// The reading stopped (the last item of `ready` is why).
    pub(super) stopped: bool,
}

/// The next document of a WARC file (records that are not documents are passed over).
pub(super) fn next_warc(
    state: &mut WarcState,
    done: &mut bool,
    context: &Context,
    warnings: &mut Vec<RecordWarning>,
) -> Option<RecordResult> {
    if state.ready.is_empty() && !state.stopped {
        fill_warc(state, context);
    }
    let (result, warning) = state.ready.pop_front()?;
    if let Some(warning) = warning {
        warnings.push(warning);
    }
    if state.stopped
        && state.ready.is_empty()
        && let RecordResult::Skipped(bad) = &result
        && bad.reason == SkipReason::Io
    {
        *done = true;
    }
    Some(result)
}

/// Reads the next batch of WARC records and converts them on the rayon pool.
pub(super) fn fill_warc(state: &mut WarcState, context: &Context) {
    let mut batch = Vec::new();
    let mut n_bytes = 0usize;
    let mut stop = None;
    while batch.len() < WARC_BATCH_RECORDS && n_bytes < WARC_BATCH_BYTES {
        match state.reader.next_record() {
            Ok(None) => {
                state.stopped = true;
                break;
            }
            Ok(Some(record)) => {
                if matches!(record.content, Content::Ignored) {
                    continue;
                }
                n_bytes += usize::try_from(record.n_bytes).unwrap_or(usize::MAX);
                batch.push(record);
            }
            Err(error) => {
                state.stopped = true;
                let message = error.to_string();
                let detail = if message.starts_with("the WARC record") {
                    format!("truncated: {message}")
                } else if message.starts_with("line ") {
                    format!("malformed WARC: {message}")
                } else {
                    describe_read_error(&error, context.compression)
                };
                let problem = Problem::new(SkipReason::Io, None, detail);
                stop = Some(context.skipped(state.reader.line(), problem));
                break;
            }
        }
    }
    let converted: Vec<(RecordResult, Option<RecordWarning>)> =
        batch.into_par_iter().map(|record| warc_document(record, context)).collect();
    state.ready.extend(converted);
    state.ready.extend(stop.map(|stop| (stop, None)));
}

/// The document of one WARC record, or why it is skipped.
pub(super) fn warc_document(
    record: warc::WarcRecord,
    context: &Context,
) -> (RecordResult, Option<RecordWarning>) {
    let line = record.line;
    let (url, record_id, warc_date, html, text) = match record.content {
        Content::Ignored => unreachable!("ignored records are not converted"),
        Content::Skipped(problem) => return (context.skipped(line, problem), None),
        Content::Page { url, record_id, warc_date, html, text } => {
            (url, record_id, warc_date, html, text)
        }
    };
    let config = &context.config;
    let id =
        url.clone().or(record_id).unwrap_or_else(|| format!("{}:{line}", context.path.display()));
    let host =
        url.as_deref().and_then(url_host).map(|host| host.trim_start_matches("www.").to_owned());
    let mut fields = record::RawFields {
        id: Some(record::FieldValue::Text(id)),
        url: url.map(record::FieldValue::Text),
        ..record::RawFields::default()
    };
    let (body, title, date, site) = if html {
        let page = html::extract(&text);
        (page.text, page.title, page.date.or(warc_date), page.site_name)
    } else {
        let article = Article::parse_text(&text);
        (article.text, article.title, warc_date, None)
    };
    if body.trim().is_empty() {
        let what = if html { "no article text found in the page" } else { "empty text" };
        let problem = Problem::new(SkipReason::EmptyText, Some(&config.fields.text), what);
        return (context.skipped(line, problem), None);
    }
    fields.text = Some(record::FieldValue::Text(body));
    fields.title = title.map(record::FieldValue::Text);
    fields.date = date.map(record::FieldValue::Text);
    fields.source = site.or(host).map(record::FieldValue::Text);
    match fields.into_document(config) {
        Ok((doc, warning)) => (
            RecordResult::Ok { doc, line, bytes: record.n_bytes, byte_end: record.byte_end },
            warning.map(|warning| warning.at(context.path.clone(), line)),
        ),
        Err(problem) => (context.skipped(line, problem), None),
    }
}

/// The host of a URL (`https://www.example.com/a` → `www.example.com`), for the outlet.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = host.split(':').next()?.trim().to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}
