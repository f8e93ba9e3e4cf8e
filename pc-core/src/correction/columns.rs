//! Column evaluation: inputs as slices (one value per row) or broadcast scalars.

use super::compound::CompoundCorrection;
use super::error::CorrectionError;
use super::node::{Fault, Node};
use super::single::{Correction, input_names};
use super::value::{Value, VarType, Variable};

/// One input of a column evaluation.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A real column.
    Reals(&'a [f64]),
    /// A real column stored as `f32` (as NanoAOD stores most floats).
    RealsF32(&'a [f32]),
    /// An integer column.
    Ints(&'a [i64]),
    /// An integer column stored as `i32`.
    IntsI32(&'a [i32]),
    /// A string column.
    Strs(&'a [&'a str]),
    /// The same real for every row.
    Real(f64),
    /// The same integer for every row.
    Int(i64),
    /// The same string for every row.
    Str(&'a str),
}

impl<'a> Input<'a> {
    fn var_type(&self) -> VarType {
        match self {
            Input::Reals(_) | Input::RealsF32(_) | Input::Real(_) => VarType::Real,
            Input::Ints(_) | Input::IntsI32(_) | Input::Int(_) => VarType::Int,
            Input::Strs(_) | Input::Str(_) => VarType::Str,
        }
    }

    /// Rows, or `None` for a scalar.
    fn len(&self) -> Option<usize> {
        match self {
            Input::Reals(c) => Some(c.len()),
            Input::RealsF32(c) => Some(c.len()),
            Input::Ints(c) => Some(c.len()),
            Input::IntsI32(c) => Some(c.len()),
            Input::Strs(c) => Some(c.len()),
            Input::Real(_) | Input::Int(_) | Input::Str(_) => None,
        }
    }

    fn scalar(&self) -> Option<Value<'a>> {
        match *self {
            Input::Real(v) => Some(Value::Real(v)),
            Input::Int(v) => Some(Value::Int(v)),
            Input::Str(v) => Some(Value::Str(v)),
            _ => None,
        }
    }

    #[inline]
    fn at(&self, row: usize) -> Value<'a> {
        match *self {
            Input::Reals(c) => Value::Real(c[row]),
            Input::RealsF32(c) => Value::Real(f64::from(c[row])),
            Input::Ints(c) => Value::Int(c[row]),
            Input::IntsI32(c) => Value::Int(i64::from(c[row])),
            Input::Strs(c) => Value::Str(c[row]),
            Input::Real(v) => Value::Real(v),
            Input::Int(v) => Value::Int(v),
            Input::Str(v) => Value::Str(v),
        }
    }
}

/// Inputs held on the stack per row.
const INLINE: usize = 16;

/// Checks count, types and lengths; returns the number of rows (1 if all are scalars).
fn check(name: &str, vars: &[Variable], inputs: &[Input]) -> Result<usize, CorrectionError> {
    if inputs.len() != vars.len() {
        return Err(CorrectionError::InputCount {
            correction: name.to_string(),
            expected: vars.len(),
            names: input_names(vars),
            got: inputs.len(),
        });
    }
    let mut rows: Option<(usize, &str)> = None;
    for (var, input) in vars.iter().zip(inputs) {
        if var.var_type != input.var_type() {
            return Err(CorrectionError::InputType {
                correction: name.to_string(),
                input: var.name.clone(),
                expected: var.var_type.to_string(),
                got: format!("a {} input", input.var_type()),
            });
        }
        match (input.len(), rows) {
            (Some(n), None) => rows = Some((n, &var.name)),
            (Some(n), Some((m, _))) if n != m => {
                return Err(CorrectionError::ColumnLength {
                    correction: name.to_string(),
                    input: var.name.clone(),
                    expected: m,
                    got: n,
                });
            }
            _ => {}
        }
    }
    Ok(rows.map_or(1, |(n, _)| n))
}

fn at_row(row: usize, e: CorrectionError) -> CorrectionError {
    CorrectionError::Row {
        row,
        source: Box::new(e),
    }
}

impl Correction {
    /// Evaluates every row of the columns into `out` (cleared first). Stops at the
    /// first failing row, whose index the error names.
    pub fn evaluate_columns(
        &self,
        inputs: &[Input],
        out: &mut Vec<f64>,
    ) -> Result<(), CorrectionError> {
        let rows = check(&self.name, &self.inputs, inputs)?;
        out.clear();
        if rows == 0 {
            return Ok(());
        }
        if inputs.len() > INLINE {
            return rows_slow(rows, inputs, out, |v| self.evaluate(v));
        }
        let mut values = [Value::Real(0.0); INLINE];
        for (slot, input) in values.iter_mut().zip(inputs) {
            *slot = input.at(0);
        }
        let values = &mut values[..inputs.len()];
        // Settle the nodes that depend on broadcast inputs only (e.g. the systematic's
        // category) once, before the loop.
        let node = specialize(&self.root, inputs, values).map_err(|f| at_row(0, self.fault(f)))?;
        let columns: Vec<(usize, Input)> = inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| i.len().is_some())
            .map(|(k, i)| (k, *i))
            .collect();
        out.reserve(rows);
        match columns.as_slice() {
            [(k, Input::Reals(c))] => {
                let k = *k;
                for (row, &x) in c.iter().enumerate() {
                    values[k] = Value::Real(x);
                    out.push(node.eval(values).map_err(|f| at_row(row, self.fault(f)))?);
                }
            }
            [(k1, Input::Reals(c1)), (k2, Input::Reals(c2))] => {
                let (k1, k2) = (*k1, *k2);
                for (row, (&x1, &x2)) in c1.iter().zip(c2.iter()).enumerate() {
                    values[k1] = Value::Real(x1);
                    values[k2] = Value::Real(x2);
                    out.push(node.eval(values).map_err(|f| at_row(row, self.fault(f)))?);
                }
            }
            _ => {
                for row in 0..rows {
                    for (k, input) in &columns {
                        values[*k] = input.at(row);
                    }
                    out.push(node.eval(values).map_err(|f| at_row(row, self.fault(f)))?);
                }
            }
        }
        Ok(())
    }
}

/// Descends through categories and binnings whose input is a broadcast scalar.
fn specialize<'n>(
    mut node: &'n Node,
    inputs: &[Input],
    values: &[Value],
) -> Result<&'n Node, Fault> {
    loop {
        node = match node {
            Node::Category(c) if inputs[c.input as usize].scalar().is_some() => {
                c.select(&values[c.input as usize])?
            }
            _ => return Ok(node),
        };
    }
}

impl CompoundCorrection {
    /// Evaluates every row of the columns into `out` (cleared first).
    pub fn evaluate_columns(
        &self,
        inputs: &[Input],
        out: &mut Vec<f64>,
    ) -> Result<(), CorrectionError> {
        let rows = check(&self.name, &self.inputs, inputs)?;
        out.clear();
        if rows == 0 {
            return Ok(());
        }
        rows_slow(rows, inputs, out, |v| self.evaluate(v))
    }
}

fn rows_slow(
    rows: usize,
    inputs: &[Input],
    out: &mut Vec<f64>,
    eval: impl Fn(&[Value]) -> Result<f64, CorrectionError>,
) -> Result<(), CorrectionError> {
    let mut values: Vec<Value> = inputs.iter().map(|i| i.at(0)).collect();
    out.reserve(rows);
    for row in 0..rows {
        for (slot, input) in values.iter_mut().zip(inputs) {
            *slot = input.at(row);
        }
        out.push(eval(&values).map_err(|e| at_row(row, e))?);
    }
    Ok(())
}
