//! Compound corrections: a stack of corrections whose outputs update inputs and combine.

use super::error::CorrectionError;
use super::single::{check_inputs, fault_error};
use super::value::{Value, Variable};
use std::sync::Arc;

/// How a result updates an input or the running output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOp {
    Add,
    Multiply,
    Divide,
    /// Output only: keep the last result.
    Last,
}

impl UpdateOp {
    fn apply(self, acc: f64, x: f64) -> f64 {
        match self {
            UpdateOp::Add => acc + x,
            UpdateOp::Multiply => acc * x,
            UpdateOp::Divide => acc / x,
            UpdateOp::Last => x,
        }
    }
}

/// A compound correction of a [`CorrectionSet`](super::CorrectionSet).
#[derive(Debug)]
pub struct CompoundCorrection {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) inputs: Vec<Variable>,
    pub(crate) output: Variable,
    pub(crate) inputs_update: Vec<usize>,
    pub(crate) input_op: UpdateOp,
    pub(crate) output_op: UpdateOp,
    /// Each correction of the stack with, per its input, the compound input index.
    pub(crate) stack: Vec<(Arc<super::Correction>, Vec<usize>)>,
}

/// Inputs held on the stack while evaluating.
const INLINE: usize = 16;

impl CompoundCorrection {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn inputs(&self) -> &[Variable] {
        &self.inputs
    }

    pub fn output(&self) -> &Variable {
        &self.output
    }

    /// The names of the stacked corrections, in order.
    pub fn stack(&self) -> impl Iterator<Item = &str> {
        self.stack.iter().map(|(c, _)| c.name())
    }

    /// Evaluates the stack on one set of inputs.
    pub fn evaluate(&self, values: &[Value]) -> Result<f64, CorrectionError> {
        check_inputs(&self.name, &self.inputs, values)?;
        if values.len() > INLINE || self.stack.iter().any(|(_, m)| m.len() > INLINE) {
            return self.evaluate_with(&mut values.to_vec(), &mut Vec::new());
        }
        let mut current = [Value::Real(0.0); INLINE];
        current[..values.len()].copy_from_slice(values);
        let mut sub = [Value::Real(0.0); INLINE];
        let mut out = 0.0;
        for (k, (corr, map)) in self.stack.iter().enumerate() {
            for (slot, &i) in sub.iter_mut().zip(map) {
                *slot = current[i];
            }
            let sf = corr
                .root
                .eval(&sub[..map.len()])
                .map_err(|f| self.fault(corr, f))?;
            self.update(&mut current, sf);
            out = if k == 0 {
                sf
            } else {
                self.output_op.apply(out, sf)
            };
        }
        Ok(out)
    }

    fn evaluate_with<'v>(
        &self,
        current: &mut [Value<'v>],
        sub: &mut Vec<Value<'v>>,
    ) -> Result<f64, CorrectionError> {
        let mut out = 0.0;
        for (k, (corr, map)) in self.stack.iter().enumerate() {
            sub.clear();
            sub.extend(map.iter().map(|&i| current[i]));
            let sf = corr.root.eval(sub).map_err(|f| self.fault(corr, f))?;
            self.update(current, sf);
            out = if k == 0 {
                sf
            } else {
                self.output_op.apply(out, sf)
            };
        }
        Ok(out)
    }

    fn update(&self, current: &mut [Value], sf: f64) {
        for &i in &self.inputs_update {
            if let Value::Real(v) = current[i] {
                current[i] = Value::Real(self.input_op.apply(v, sf));
            }
        }
    }

    fn fault(&self, corr: &super::Correction, f: super::node::Fault) -> CorrectionError {
        CorrectionError::InCompound {
            compound: self.name.clone(),
            source: Box::new(fault_error(corr.name(), corr.inputs(), f)),
        }
    }
}
