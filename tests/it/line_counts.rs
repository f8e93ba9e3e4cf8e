//! The example analyses stay as short as the README says: lines of Rust, non-blank and
//! comments excluded (the count of the README's table).

fn rust_lines(path: &str) -> usize {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

#[test]
fn example_analyses_are_within_their_line_budgets() {
    for (path, budget) in [
        ("analyses/zmumu/src/lib.rs", 120),
        ("analyses/ttdilep/src/lib.rs", 100),
    ] {
        let n = rust_lines(path);
        assert!(
            n <= budget,
            "{path}: {n} lines of Rust, the budget is {budget}"
        );
    }
}
