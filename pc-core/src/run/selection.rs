//! Which declared variations a run histograms: parameters `variations.weights` and
//! `variations.shape`, as PocketCoffea's `variations` configuration.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::processor::ProcessorSpec;
use crate::config::{ParamError, Params};
use crate::util::did_you_mean;

/// `all`, or a list of function names.
#[derive(Deserialize)]
#[serde(untagged)]
enum Choice {
    Keyword(String),
    Names(Vec<String>),
}

impl ProcessorSpec {
    /// Keeps on the `variation` axis only the variations of the `#[weight]` functions
    /// listed in `variations.weights` and of the `#[calibrate]` functions listed in
    /// `variations.shape` (each `all`, the default, or a list of names; `[]` for none).
    /// Shape variations not kept are not computed at all.
    pub fn select_variations(&mut self, params: &Params) -> Result<(), ParamError> {
        let is_shape = |label: &str| self.shape_variations.contains(&label);
        let declared = |shape: bool| -> BTreeSet<&'static str> {
            self.variations
                .iter()
                .zip(&self.variation_sources)
                .filter(|(v, s)| !s.is_empty() && is_shape(v) == shape)
                .map(|(_, s)| *s)
                .collect()
        };
        let weights = chosen(params, "variations.weights", &declared(false))?;
        let shapes = chosen(params, "variations.shape", &declared(true))?;
        self.histogrammed = self
            .variations
            .iter()
            .zip(&self.variation_sources)
            .map(|(v, s)| {
                s.is_empty()
                    || match is_shape(v) {
                        true => shapes.contains(s),
                        false => weights.contains(s),
                    }
            })
            .collect();
        Ok(())
    }
}

/// The names `key` selects among `declared` (all of them if the key is absent).
fn chosen(
    params: &Params,
    key: &str,
    declared: &BTreeSet<&'static str>,
) -> Result<BTreeSet<&'static str>, ParamError> {
    let known = || {
        let names: Vec<&str> = declared.iter().copied().collect();
        match names.is_empty() {
            true => "`all` or `[]` (the analysis declares none)".to_string(),
            false => format!("`all` or a list of: {}", names.join(", ")),
        }
    };
    let names = match params.get_opt::<Choice>(key) {
        Ok(None) => return Ok(declared.clone()),
        Ok(Some(Choice::Keyword(k))) if k == "all" => return Ok(declared.clone()),
        Ok(Some(Choice::Keyword(k))) => {
            return Err(params.invalid(key, &known(), &format!("`{k}`"), "not a keyword"));
        }
        Ok(Some(Choice::Names(names))) => names,
        Err(ParamError::Type { found, .. }) => {
            return Err(params.invalid(key, &known(), &found, "not a string or a list"));
        }
        Err(e) => return Err(e),
    };
    names
        .iter()
        .map(|n| {
            declared.get(n.as_str()).copied().ok_or_else(|| {
                let hint = did_you_mean(n, declared.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let hint = format!("the analysis declares no such variation source{hint}");
                params.invalid(key, &known(), &format!("`{n}`"), &hint)
            })
        })
        .collect()
}
