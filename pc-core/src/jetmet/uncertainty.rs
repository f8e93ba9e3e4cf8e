//! Jet energy scale uncertainties (`.junc.txt`): per bin of the binned variables (eta), a
//! table of knots `(pt, down, up)` interpolated linearly in pt, pt clamped to the knots
//! (CMSSW's `JetCorrectionUncertainty`, coffea's `jec_uncertainty_lookup`). Points outside the
//! binning use the nearest bin. A file holds one source (named `jes`, as coffea names it) or
//! several, each introduced by a `[Name]` line (`UncertaintySources` files).

use std::path::Path;

use super::binning::Binning;
use super::text::{Table, read_tables};
use super::{JetMetError, JetVar, JetVars};

/// One uncertainty source.
#[derive(Debug)]
pub struct JesSource {
    pub name: String,
    binned: Vec<JetVar>,
    eval: JetVar,
    binning: Binning,
    /// Per record, its knots as (x, down, up).
    knots: Vec<Vec<(f64, f64, f64)>>,
}

impl JesSource {
    fn new(path: &Path, table: &Table) -> Result<JesSource, JetMetError> {
        let header = &table.header;
        let at_header = |m: String| JetMetError::line(path, header.line, m);
        let formula = header.formula.trim_matches('"');
        if !formula.is_empty() && formula != "None" {
            return Err(at_header(format!(
                "an uncertainty table has no formula, found {formula:?}"
            )));
        }
        let binned = header
            .binned
            .iter()
            .map(|n| JetVar::parse(n).map_err(at_header))
            .collect::<Result<Vec<_>, _>>()?;
        let [eval] = header.eval.as_slice() else {
            return Err(at_header(format!(
                "{} interpolation variables, expected one",
                header.eval.len()
            )));
        };
        let eval = JetVar::parse(eval).map_err(at_header)?;
        let binning =
            Binning::new(&table.records, &header.binned).map_err(|m| JetMetError::file(path, m))?;
        let knots = table
            .records
            .iter()
            .map(|r| {
                let bad = |m: &str| JetMetError::line(path, r.line, m.to_string());
                if r.values.len() < 3 || r.values.len() % 3 != 0 {
                    return Err(bad(
                        "the values must be (pt, down, up) triplets, at least one",
                    ));
                }
                let k: Vec<(f64, f64, f64)> = r
                    .values
                    .chunks(3)
                    .map(|c| (f64::from(c[0]), f64::from(c[1]), f64::from(c[2])))
                    .collect();
                if k.windows(2)
                    .any(|w| w[0].0.partial_cmp(&w[1].0).is_none_or(|o| o.is_ge()))
                {
                    return Err(bad("the knots' pt values must increase"));
                }
                Ok(k)
            })
            .collect::<Result<_, _>>()?;
        let name = table.section.clone().unwrap_or_else(|| "jes".to_string());
        Ok(JesSource {
            name,
            binned,
            eval,
            binning,
            knots,
        })
    }

    /// The relative (up, down) shifts of one jet: its pt is scaled by `1 + up` or `1 - down`.
    pub fn shifts(&self, jet: &JetVars) -> (f64, f64) {
        let mut bin_x = [0.0; 2];
        for (x, v) in bin_x.iter_mut().zip(&self.binned) {
            *x = jet.get(*v);
        }
        let knots = &self.knots[self.binning.find(&bin_x[..self.binned.len()]).record];
        let n = knots.len();
        if n == 1 {
            return (knots[0].2, knots[0].1);
        }
        let x = jet.get(self.eval).max(knots[0].0).min(knots[n - 1].0);
        let hi = knots.partition_point(|k| k.0 < x).clamp(1, n - 1);
        let (a, b) = (knots[hi - 1], knots[hi]);
        let interp = |ya: f64, yb: f64| (yb - ya) / (b.0 - a.0) * (x - a.0) + ya;
        (interp(a.2, b.2), interp(a.1, b.1))
    }
}

/// Reads every source of a `.junc.txt[.gz]` file.
pub fn read_sources(path: &Path) -> Result<Vec<JesSource>, JetMetError> {
    read_tables(path)?
        .iter()
        .map(|t| JesSource::new(path, t))
        .collect()
}
