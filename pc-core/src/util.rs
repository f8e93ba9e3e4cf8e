//! Small helpers shared across modules.

/// The candidate closest to `name` by edit distance, if it is close enough to be a
/// plausible typo (at most a third of the name's length, at least 1, at most 3).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, case-insensitive.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["Muon_pt", "Muon_eta", "Jet_pt"];
        assert_eq!(did_you_mean("Muon_tp", names), Some("Muon_pt"));
        assert_eq!(did_you_mean("muon_eta", names), Some("Muon_eta"));
        assert_eq!(did_you_mean("Electron_pt", names), None);
    }
}

/// Sorted ids as compact ranges: `[0, 1, 2, 5, 7, 8]` -> `"0-2,5,7-8"` (`""` for none).
pub fn ranges(ids: &[usize]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        while i + 1 < sorted.len() && sorted[i + 1] == sorted[i] + 1 {
            i += 1;
        }
        parts.push(match sorted[i] == start {
            true => start.to_string(),
            false => format!("{start}-{}", sorted[i]),
        });
        i += 1;
    }
    parts.join(",")
}

/// The inverse of [`ranges`].
pub fn parse_ranges(text: &str) -> Result<Vec<usize>, String> {
    let bad = |p: &str| format!("`{p}` is not an id or a range A-B");
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (usize, usize) = (
            a.parse().map_err(|_| bad(part))?,
            b.parse().map_err(|_| bad(part))?,
        );
        if a > b || b - a > 100_000_000 {
            return Err(bad(part));
        }
        out.extend(a..=b);
    }
    Ok(out)
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn ranges_round_trip() {
        for ids in [vec![], vec![3], vec![0, 1, 2, 5, 7, 8], vec![9, 1, 2]] {
            let text = ranges(&ids);
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(parse_ranges(&text).unwrap(), sorted, "{text}");
        }
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert!(parse_ranges("3-1").is_err());
        assert!(parse_ranges("x").is_err());
    }
}
