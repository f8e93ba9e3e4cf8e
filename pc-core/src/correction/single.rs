//! One correction: declared inputs and output, and its evaluation tree.

use super::error::CorrectionError;
use super::node::{Domain, Fault, Node};
use super::value::{Value, Variable};
use crate::util::did_you_mean;

/// A correction (immutable once built; share it by reference across threads).
#[derive(Debug)]
pub struct Correction {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) version: i64,
    pub(crate) inputs: Vec<Variable>,
    pub(crate) output: Variable,
    pub(crate) root: Node,
}

impl Correction {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn version(&self) -> i64 {
        self.version
    }

    /// The inputs, in the order [`evaluate`](Self::evaluate) takes them.
    pub fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    pub fn output(&self) -> &Variable {
        &self.output
    }

    /// The position of the input called `name`.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|v| v.name == name)
    }

    /// The bin range, category keys and flows the nodes use for input `index`.
    pub fn domain(&self, index: usize) -> Domain {
        let mut d = Domain::default();
        self.root.domain(index as u32, &mut d);
        d.keys.sort();
        d
    }

    /// Evaluates on one set of inputs (in input order, with the declared types).
    pub fn evaluate(&self, values: &[Value]) -> Result<f64, CorrectionError> {
        check_inputs(&self.name, &self.inputs, values)?;
        self.root.eval(values).map_err(|f| self.fault(f))
    }

    /// Adds the correction's name and the input's name to a node's failure.
    pub(crate) fn fault(&self, fault: Fault) -> CorrectionError {
        fault_error(&self.name, &self.inputs, fault)
    }
}

/// Checks the number and types of the inputs.
pub(crate) fn check_inputs(
    name: &str,
    inputs: &[Variable],
    values: &[Value],
) -> Result<(), CorrectionError> {
    if values.len() != inputs.len() {
        return Err(CorrectionError::InputCount {
            correction: name.to_string(),
            expected: inputs.len(),
            names: input_names(inputs),
            got: values.len(),
        });
    }
    for (var, value) in inputs.iter().zip(values) {
        if var.var_type != value.var_type() {
            return Err(CorrectionError::InputType {
                correction: name.to_string(),
                input: var.name.clone(),
                expected: var.var_type.to_string(),
                got: format!("{} {value}", value.var_type()),
            });
        }
    }
    Ok(())
}

pub(crate) fn input_names(inputs: &[Variable]) -> String {
    inputs
        .iter()
        .map(|v| format!("{}: {}", v.name, v.var_type))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn fault_error(name: &str, inputs: &[Variable], fault: Fault) -> CorrectionError {
    match fault {
        Fault::OutOfRange {
            input,
            value,
            above,
            low,
            high,
        } => CorrectionError::OutOfRange {
            correction: name.to_string(),
            input: inputs[input as usize].name.clone(),
            value,
            side: if above { "above" } else { "below" },
            low,
            high,
        },
        Fault::UnknownKey { input, key, known } => {
            let suggestion = did_you_mean(key.trim_matches('"'), known.iter().map(String::as_str));
            let hint = match suggestion {
                Some(s) => format!("; did you mean `{s}`?"),
                None if known.len() <= 12 => format!(" (known: {})", known.join(", ")),
                None => format!(
                    " ({} known keys, e.g. {})",
                    known.len(),
                    known[..5].join(", ")
                ),
            };
            CorrectionError::UnknownKey {
                correction: name.to_string(),
                input: inputs[input as usize].name.clone(),
                key,
                hint,
            }
        }
    }
}
