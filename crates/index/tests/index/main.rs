//! Integration tests of unspun-index: storage, round trips, incremental writes, crash safety,
//! damaged files and the committed golden index.

mod corrupt;
mod crash;
mod golden;
mod merge;
mod roundtrip;
mod semantic;
mod storage;
mod util;
