//! Integration tests driving the real `unspun` binary.

mod batch;
mod cluster;
mod crash;
mod damage;
mod dedup;
mod demo;
mod formats;
mod hay;
mod help;
mod index;
mod inputs;
mod paraphrase;
mod parquet;
mod pipeline;
mod real_data;
mod stats;
mod trace;
mod util;
