//! Integration tests driving the real `unspun` binary.
