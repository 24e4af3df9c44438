//! Router tests without a socket (`app(state).oneshot(request)`), and one test on a real
//! socket with a hand-written HTTP/1.1 request and a graceful shutdown.
//!
//! One test binary (`tests/api/`), a module per concern; `util` holds the shared fixtures.

mod access_log;
mod corpus;
mod documents;
mod limits;
mod openapi;
mod reads;
mod report;
mod socket;
mod trace;
mod util;
