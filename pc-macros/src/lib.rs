//! Procedural macros of the `pc` framework.
//!
//! The crate stays thin: parse -> model -> check -> lower -> emit. The `#[processor]`
//! attribute arrives with the DSL issue; until then the crate only reserves its place.
