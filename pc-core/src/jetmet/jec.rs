//! The factorized jet energy correction: JEC levels applied in order (L1, L2, L3, L2L3, L4..L7),
//! each evaluated at the pt corrected by the levels before it (CMSSW's
//! `FactorizedJetCorrector`, coffea's `FactorizedJetCorrector`).

use std::path::Path;

use super::function::BinnedFunction;
use super::text::read_tables;
use super::{JetMetError, JetVars};

/// One JEC level file.
#[derive(Debug)]
pub struct JecLevel {
    /// The level name from the file name (`L1FastJet`, `L2Relative`, ...).
    pub name: String,
    function: BinnedFunction,
}

impl JecLevel {
    /// Reads a `.jec.txt[.gz]` file; its level comes from the file name
    /// (`<campaign>_<era>_<MC|DATA>_<level>_<jet type>`).
    pub fn open(path: &Path) -> Result<JecLevel, JetMetError> {
        let name = level_name(path).ok_or_else(|| {
            JetMetError::file(
                path,
                "no JEC level (L1FastJet, L2Relative, ...) in the file name",
            )
        })?;
        let tables = read_tables(path)?;
        if tables.len() != 1 {
            return Err(JetMetError::file(
                path,
                format!("{} tables, a JEC level has one", tables.len()),
            ));
        }
        let function = BinnedFunction::new(path, &tables[0])?;
        Ok(JecLevel { name, function })
    }

    /// This level's correction factor for a jet whose `pt` is already corrected by the
    /// previous levels.
    pub fn factor(&self, jet: &JetVars) -> f64 {
        self.function.eval(jet)
    }
}

/// The levels in application order.
#[derive(Debug)]
pub struct FactorizedCorrector {
    levels: Vec<JecLevel>,
}

impl FactorizedCorrector {
    /// Orders the levels as CMSSW does: L1, L2, L3, L2L3, L4, ..., L7 (stable otherwise).
    pub fn new(mut levels: Vec<JecLevel>) -> FactorizedCorrector {
        levels.sort_by_key(|l| level_rank(&l.name));
        FactorizedCorrector { levels }
    }

    /// Level names in application order.
    pub fn level_names(&self) -> impl Iterator<Item = &str> {
        self.levels.iter().map(|l| l.name.as_str())
    }

    /// The total correction factor for a jet with raw pt `jet.pt`.
    pub fn factor(&self, jet: &JetVars) -> f64 {
        let mut at = *jet;
        let mut total = 1.0;
        for level in &self.levels {
            at.pt = jet.pt * total;
            total *= level.factor(&at);
        }
        total
    }
}

/// The level token of a JetMET file name: the last `_`-separated token of the name (before the
/// first `.`) that starts with `L` and a digit.
fn level_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let stem = file.split('.').next()?;
    stem.split('_')
        .rev()
        .find(|t| t.starts_with('L') && t[1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
}

/// Position of a level in the application order, from its `L<digit>...` prefix.
fn level_rank(name: &str) -> usize {
    let prefix: String = name
        .chars()
        .take_while(|c| *c == 'L' || ('1'..='7').contains(c))
        .collect();
    ["L1", "L2", "L3", "L2L3", "L4", "L5", "L6", "L7"]
        .iter()
        .position(|l| *l == prefix)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_and_order() {
        let name = |f: &str| level_name(Path::new(f)).unwrap();
        assert_eq!(
            name("Summer19UL18_V5_MC_L2L3Residual_AK4PFchs.jec.txt.gz"),
            "L2L3Residual"
        );
        assert_eq!(
            name("Fall17_17Nov2017_V32_MC_L2Relative_AK4PFPuppi.jec.txt"),
            "L2Relative"
        );
        let mut names = vec!["L2L3Residual", "L3Absolute", "L2Relative", "L1FastJet"];
        names.sort_by_key(|n| level_rank(n));
        assert_eq!(
            names,
            ["L1FastJet", "L2Relative", "L3Absolute", "L2L3Residual"]
        );
    }
}
