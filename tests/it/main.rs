//! Integration tests: one binary, one module per concern.

mod bad_input;
mod catalogue;
mod cms;
mod common;
mod correction;
mod corrupt;
mod dsl_features;
mod hand_written;
mod jet_shapes;
mod jetmet;
mod line_counts;
mod nano;
mod pipeline;
mod read_exact;
mod roundtrip;
mod skim;
mod uuid;
mod zmumu;
