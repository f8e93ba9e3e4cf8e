//! A binned parametrised function: the table kind of JEC levels (`.jec.txt`) and jet
//! resolutions (`.jr.txt`). Each record holds, after its bin edges, a (min, max) clamp per
//! formula variable and the formula's parameters `[i]`.
//!
//! Evaluation follows CMSSW's `SimpleJetCorrector` and coffea's `jme_standard_function`:
//! a point outside the binning gives 1; otherwise each formula variable is clamped to the
//! record's range and the formula is evaluated with the record's parameters.

use std::path::Path;

use super::text::Table;
use super::{JetMetError, JetVar, JetVars, binning::Binning};
use crate::formula::Formula;

/// One binned parametrised function, parsed once.
#[derive(Debug)]
pub struct BinnedFunction {
    binned: Vec<JetVar>,
    eval: Vec<JetVar>,
    binning: Binning,
    /// (min, max) per record and formula variable: `clamps[record * eval.len() + k]`.
    clamps: Vec<(f64, f64)>,
    /// Parameters per record: `params[record * n_params..][..n_params]`.
    params: Vec<f64>,
    n_params: usize,
    formula: Formula,
}

impl BinnedFunction {
    /// Builds the function from a parsed table of `path`.
    pub fn new(path: &Path, table: &Table) -> Result<BinnedFunction, JetMetError> {
        let header = &table.header;
        let at_header = |m: String| JetMetError::line(path, header.line, m);
        let vars = |names: &[String]| -> Result<Vec<JetVar>, JetMetError> {
            names
                .iter()
                .map(|n| JetVar::parse(n).map_err(at_header))
                .collect()
        };
        let binned = vars(&header.binned)?;
        let eval = vars(&header.eval)?;
        let formula = Formula::parse(&untmath(&header.formula))
            .map_err(|e| at_header(format!("formula {:?}: {e}", header.formula)))?;
        let binning =
            Binning::new(&table.records, &header.binned).map_err(|m| JetMetError::file(path, m))?;

        let n_clamps = 2 * eval.len();
        let n_params = table.records[0].values.len().saturating_sub(n_clamps);
        let mut clamps = Vec::with_capacity(table.records.len() * eval.len());
        let mut params = Vec::with_capacity(table.records.len() * n_params);
        for r in &table.records {
            if r.values.len() != n_clamps + n_params {
                return Err(JetMetError::line(
                    path,
                    r.line,
                    format!(
                        "{} values, expected {n_clamps} variable ranges and {n_params} parameters as on line {}",
                        r.values.len(),
                        table.records[0].line
                    ),
                ));
            }
            let v: Vec<f64> = r.values.iter().map(|&x| f64::from(x)).collect();
            clamps.extend(v[..n_clamps].chunks(2).map(|c| (c[0], c[1])));
            params.extend_from_slice(&v[n_clamps..]);
        }
        if formula.n_vars() > eval.len() {
            return Err(at_header(format!(
                "the formula uses {} variables, the header names {}",
                formula.n_vars(),
                eval.len()
            )));
        }
        if formula.n_params() > n_params {
            return Err(at_header(format!(
                "the formula uses {} parameters, the records hold {n_params}",
                formula.n_params()
            )));
        }
        Ok(BinnedFunction {
            binned,
            eval,
            binning,
            clamps,
            params,
            n_params,
            formula,
        })
    }

    /// The function's value for one jet.
    pub fn eval(&self, jet: &JetVars) -> f64 {
        let mut bin_x = [0.0; 2];
        for (x, v) in bin_x.iter_mut().zip(&self.binned) {
            *x = jet.get(*v);
        }
        let hit = self.binning.find(&bin_x[..self.binned.len()]);
        if hit.overflow {
            return 1.0;
        }
        let n = self.eval.len();
        let clamps = &self.clamps[hit.record * n..][..n];
        let mut x = [0.0; 4];
        for ((x, v), &(lo, hi)) in x.iter_mut().zip(&self.eval).zip(clamps) {
            *x = jet.get(*v).max(lo).min(hi);
        }
        let params = &self.params[hit.record * self.n_params..][..self.n_params];
        self.formula.eval(&x[..n], params)
    }
}

/// Replaces the `TMath::` spellings some files use by the plain function names.
fn untmath(formula: &str) -> String {
    [
        ("TMath::Max", "max"),
        ("TMath::Min", "min"),
        ("TMath::Log", "log"),
        ("TMath::Power", "pow"),
        ("TMath::Erf", "erf"),
        ("TMath::Exp", "exp"),
        ("TMath::Sqrt", "sqrt"),
    ]
    .iter()
    .fold(formula.to_string(), |f, (from, to)| f.replace(from, to))
}
