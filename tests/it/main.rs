//! Integration tests: one binary, one module per concern.

mod common;
mod corrupt;
mod jetmet;
mod read_exact;
mod roundtrip;
mod zmumu;
