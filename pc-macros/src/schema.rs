//! The committed NanoAOD branch catalogs (`schemas/*.txt`, written by `pc schema`):
//! one line per branch, `name type [counter]`.

use std::collections::BTreeMap;

/// Catalogs compiled into the macro, by the name `#[processor(schema = "..")]` uses:
/// `nanoaod_v7` from the shared `nano_dy.root`, `nanoaod_v9` from the shared UL PFNano file
/// (`pfnano.root`, NanoAODv9 plus PF candidates).
const CATALOGS: &[(&str, &str)] = &[
    ("nanoaod_v7", include_str!("../schemas/nanoaod_v7.txt")),
    ("nanoaod_v9", include_str!("../schemas/nanoaod_v9.txt")),
];

/// One branch of a catalog.
pub(crate) struct Branch<'a> {
    /// Catalog type code: `bool`, `i1`, `u1`, ..., `f4`, `f8`.
    pub ty: &'a str,
    /// The counter branch of a counted array (`nMuon`), `None` for a scalar.
    pub counter: Option<&'a str>,
}

pub(crate) struct Schema {
    branches: BTreeMap<&'static str, Branch<'static>>,
}

impl Schema {
    /// The catalog `name`, or the list of known names.
    pub fn load(name: &str) -> Result<Schema, String> {
        let Some(&(_, text)) = CATALOGS.iter().find(|(n, _)| *n == name) else {
            let known: Vec<&str> = CATALOGS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "unknown schema `{name}`; known: {}",
                known.join(", ")
            ));
        };
        let branches = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let (name, ty) = (w.next()?, w.next()?);
                Some((
                    name,
                    Branch {
                        ty,
                        counter: w.next(),
                    },
                ))
            })
            .collect();
        Ok(Schema { branches })
    }

    pub fn get(&self, name: &str) -> Option<&Branch<'static>> {
        self.branches.get(name)
    }

    /// The closest branch name, if one is close enough to be a likely typo.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        closest(name, self.branches.keys().copied())
    }
}

/// The candidate nearest to `name` by edit distance (case-insensitive), if within a third
/// of its length (at least 2 edits).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let limit = (name.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The catalog type code of a Rust field type, if it is one a branch can be read as.
pub(crate) fn code_of(rust: &str) -> Option<&'static str> {
    Some(match rust {
        "bool" => "bool",
        "i8" => "i1",
        "u8" => "u1",
        "i16" => "i2",
        "u16" => "u2",
        "i32" => "i4",
        "u32" => "u4",
        "i64" => "i8",
        "u64" => "u8",
        "f32" => "f4",
        "f64" => "f8",
        _ => return None,
    })
}

/// The Rust type of a catalog type code.
pub(crate) fn rust_of(code: &str) -> &str {
    match code {
        "i1" => "i8",
        "u1" => "u8",
        "i2" => "i16",
        "u2" => "u16",
        "i4" => "i32",
        "u4" => "u32",
        "i8" => "i64",
        "u8" => "u64",
        "f4" => "f32",
        "f8" => "f64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_loads_and_suggests() {
        let s = Schema::load("nanoaod_v7").unwrap();
        let pt = s.get("Muon_pt").unwrap();
        assert_eq!((pt.ty, pt.counter), ("f4", Some("nMuon")));
        assert_eq!(s.get("run").unwrap().counter, None);
        assert_eq!(s.suggest("Muon_pfRelIso04_al"), Some("Muon_pfRelIso04_all"));
        assert_eq!(s.suggest("Muon_tightID"), Some("Muon_tightId"));
        assert_eq!(s.suggest("Completely_unrelated_name"), None);
        let Err(msg) = Schema::load("nanoaod_v99") else {
            panic!("nanoaod_v99 should be unknown")
        };
        assert!(msg.contains("nanoaod_v7"), "{msg}");
        let v9 = Schema::load("nanoaod_v9").unwrap();
        assert_eq!(
            v9.get("FatJet_particleNet_H4qvsQCD").unwrap().counter,
            Some("nFatJet")
        );
        assert!(s.get("FatJet_particleNet_H4qvsQCD").is_none());
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
