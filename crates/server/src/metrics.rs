//! Request counters and latency histograms, written in the Prometheus text format by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets; `+Inf` is implied.
pub const LATENCY_BUCKETS: [f64; 12] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last one is `+Inf`.
    buckets: [u64; LATENCY_BUCKETS.len() + 1],
    sum_seconds: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    /// (route, method, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → latency histogram.
    latency: BTreeMap<String, Histogram>,
}

/// Counters of the HTTP layer. Routes are the router's patterns (`/v1/documents/{id}`), so
/// the number of series is bounded.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    /// Traces stopped because their request timed out or its client went away.
    pub(crate) traces_cancelled: AtomicU64,
    /// Background segment merges committed.
    pub(crate) merges: AtomicU64,
}

/// Gauges and counters read from elsewhere when `/metrics` is rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Live documents in the served index.
    pub index_documents: u64,
    /// Bytes on disk of the served generation.
    pub index_bytes: u64,
    /// Segments of the served generation.
    pub index_segments: u64,
    /// Connections open now.
    pub connections_open: u64,
    /// Requests in flight on the connections (bodies being received included).
    pub requests_in_flight: u64,
    /// Connections accepted since start.
    pub connections_accepted: u64,
    /// Connections closed at once because the connection limit was reached.
    pub connections_refused: u64,
    /// Idle connections closed to make room for new ones.
    pub connections_evicted: u64,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
        let histogram = inner.latency.entry(route.to_string()).or_default();
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS.iter().position(|&le| seconds <= le);
        histogram.buckets[bucket.unwrap_or(LATENCY_BUCKETS.len())] += 1;
        histogram.sum_seconds += seconds;
        histogram.count += 1;
    }

    /// Traces cancelled so far (a timeout or a closed connection stopped them).
    pub fn traces_cancelled(&self) -> u64 {
        self.traces_cancelled.load(Ordering::Relaxed)
    }

    /// The Prometheus exposition text, with the counters of the server and `gauges` appended.
    pub fn render(&self, gauges: &Gauges) -> String {
        let inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        out.push_str("# HELP unspun_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE unspun_http_requests_total counter\n");
        for ((route, method, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "unspun_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} \
                 {count}",
                escape(route),
                escape(method)
            );
        }
        out.push_str("# HELP unspun_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE unspun_http_request_duration_seconds histogram\n");
        for (route, histogram) in &inner.latency {
            let route = escape(route);
            let mut cumulative = 0;
            for (le, count) in LATENCY_BUCKETS.iter().zip(&histogram.buckets) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "unspun_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} \
                     {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "unspun_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "unspun_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_seconds
            );
            let _ = writeln!(
                out,
                "unspun_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        let counters = [
            (
                "unspun_traces_cancelled_total",
                "counter",
                "Traces stopped by a timeout or a closed connection.",
                self.traces_cancelled(),
            ),
            (
                "unspun_merges_total",
                "counter",
                "Background segment merges committed.",
                self.merges.load(Ordering::Relaxed),
            ),
            ("unspun_connections_open", "gauge", "Open HTTP connections.", gauges.connections_open),
            (
                "unspun_requests_in_flight",
                "gauge",
                "Requests being received or handled.",
                gauges.requests_in_flight,
            ),
            (
                "unspun_connections_accepted_total",
                "counter",
                "HTTP connections accepted.",
                gauges.connections_accepted,
            ),
            (
                "unspun_connections_refused_total",
                "counter",
                "Connections closed at once: the connection limit was reached.",
                gauges.connections_refused,
            ),
            (
                "unspun_connections_evicted_total",
                "counter",
                "Idle connections closed to make room for new ones.",
                gauges.connections_evicted,
            ),
            (
                "unspun_index_documents",
                "gauge",
                "Live documents in the served index.",
                gauges.index_documents,
            ),
            (
                "unspun_index_bytes",
                "gauge",
                "Bytes on disk of the served generation.",
                gauges.index_bytes,
            ),
            (
                "unspun_index_segments",
                "gauge",
                "Segments of the served generation.",
                gauges.index_segments,
            ),
        ];
        for (name, kind, help, value) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
        out
    }
}

/// Escapes a label value (backslash, quote, newline).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_counts_match() {
        let metrics = Metrics::default();
        metrics.record("/v1/trace", "POST", 200, Duration::from_millis(3));
        metrics.record("/v1/trace", "POST", 200, Duration::from_millis(70));
        metrics.record("/v1/trace", "POST", 422, Duration::from_secs(100));
        metrics.traces_cancelled.fetch_add(1, Ordering::Relaxed);
        let gauges = Gauges { index_documents: 5, index_bytes: 1234, ..Gauges::default() };
        let text = metrics.render(&gauges);
        assert!(text.contains(
            "unspun_http_requests_total{route=\"/v1/trace\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "unspun_http_request_duration_seconds_bucket{route=\"/v1/trace\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "unspun_http_request_duration_seconds_bucket{route=\"/v1/trace\",le=\"0.1\"} 2"
        ));
        assert!(text.contains(
            "unspun_http_request_duration_seconds_bucket{route=\"/v1/trace\",le=\"30\"} 2"
        ));
        assert!(text.contains(
            "unspun_http_request_duration_seconds_bucket{route=\"/v1/trace\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("unspun_index_documents 5\n"));
        assert!(text.contains("unspun_index_bytes 1234\n"));
        assert!(text.contains(
            "# TYPE unspun_traces_cancelled_total counter\nunspun_traces_cancelled_total 1\n"
        ));
    }
}
