//! Request counters and latency histograms, written in the Prometheus text format by hand.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
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

    /// The Prometheus exposition text, with the index gauges appended.
    pub fn render(&self, index_documents: u64, index_bytes: u64) -> String {
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
        out.push_str("# HELP unspun_index_documents Live documents in the served index.\n");
        out.push_str("# TYPE unspun_index_documents gauge\n");
        let _ = writeln!(out, "unspun_index_documents {index_documents}");
        out.push_str("# HELP unspun_index_bytes Bytes on disk of the served generation.\n");
        out.push_str("# TYPE unspun_index_bytes gauge\n");
        let _ = writeln!(out, "unspun_index_bytes {index_bytes}");
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
        let text = metrics.render(5, 1234);
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
    }
}
