//! Jet energy resolution: the relative pt resolution (`.jr.txt`, a binned formula) and its
//! data/MC scale factor (`.jersf.txt`: nominal, down, up per bin of eta and, in some files,
//! pt; any further columns, the split systematics of newer files, are ignored as coffea does).
//! Scale-factor points outside the binning use the nearest bin.

use std::path::Path;

use super::binning::Binning;
use super::function::BinnedFunction;
use super::text::read_tables;
use super::{JetMetError, JetVar, JetVars};

/// The relative pt resolution, sigma(pt)/pt.
#[derive(Debug)]
pub struct JerResolution(BinnedFunction);

impl JerResolution {
    /// Reads a `PtResolution` `.jr.txt[.gz]` file.
    pub fn open(path: &Path) -> Result<JerResolution, JetMetError> {
        let tables = read_tables(path)?;
        let [table] = tables.as_slice() else {
            return Err(JetMetError::file(
                path,
                format!("{} tables, a resolution file has one", tables.len()),
            ));
        };
        Ok(JerResolution(BinnedFunction::new(path, table)?))
    }

    /// The resolution of one jet (1 outside the binning, as coffea).
    pub fn eval(&self, jet: &JetVars) -> f64 {
        self.0.eval(jet)
    }
}

/// The JER scale factor: (nominal, up, down) per bin.
#[derive(Debug)]
pub struct JerScaleFactor {
    binned: Vec<JetVar>,
    binning: Binning,
    /// Per record: [nominal, up, down].
    values: Vec<[f64; 3]>,
}

impl JerScaleFactor {
    /// Reads a `.jersf.txt[.gz]` file.
    pub fn open(path: &Path) -> Result<JerScaleFactor, JetMetError> {
        let tables = read_tables(path)?;
        let [table] = tables.as_slice() else {
            return Err(JetMetError::file(
                path,
                format!("{} tables, a scale-factor file has one", tables.len()),
            ));
        };
        let at_header = |m: String| JetMetError::line(path, table.header.line, m);
        let binned = table
            .header
            .binned
            .iter()
            .map(|n| JetVar::parse(n).map_err(at_header))
            .collect::<Result<Vec<_>, _>>()?;
        let binning = Binning::new(&table.records, &table.header.binned)
            .map_err(|m| JetMetError::file(path, m))?;
        let values = table
            .records
            .iter()
            .map(|r| match r.values.as_slice() {
                [nominal, down, up, ..] => {
                    Ok([f64::from(*nominal), f64::from(*up), f64::from(*down)])
                }
                _ => Err(JetMetError::line(
                    path,
                    r.line,
                    "expected nominal, down, up scale factors".into(),
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(JerScaleFactor {
            binned,
            binning,
            values,
        })
    }

    /// The jet's scale factors `[nominal, up, down]`.
    pub fn eval(&self, jet: &JetVars) -> [f64; 3] {
        let mut bin_x = [0.0; 2];
        for (x, v) in bin_x.iter_mut().zip(&self.binned) {
            *x = jet.get(*v);
        }
        self.values[self.binning.find(&bin_x[..self.binned.len()]).record]
    }
}
