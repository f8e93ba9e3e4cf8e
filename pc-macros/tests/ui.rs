//! Compile-fail tests: each `tests/ui/*.rs` must fail with its `.stderr`
//! (refresh with `TRYBUILD=overwrite cargo test -p pc-macros --test ui`).

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
