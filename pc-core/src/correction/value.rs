//! Input values and variable declarations.

use std::fmt;

/// One input value; strings are borrowed, so evaluating allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Real(f64),
    Int(i64),
    Str(&'a str),
}

impl Value<'_> {
    /// The type of this value.
    pub fn var_type(&self) -> VarType {
        match self {
            Value::Real(_) => VarType::Real,
            Value::Int(_) => VarType::Int,
            Value::Str(_) => VarType::Str,
        }
    }

    /// The numeric value (ints converted), for binning and formulas.
    #[inline]
    pub(crate) fn number(&self) -> f64 {
        match *self {
            Value::Real(v) => v,
            Value::Int(v) => v as f64,
            Value::Str(_) => f64::NAN,
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Real(v) => write!(f, "{v}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// The type of an input or output variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarType {
    Real,
    Int,
    Str,
}

impl VarType {
    /// The schema's spelling: `real`, `int` or `string`.
    pub fn as_str(self) -> &'static str {
        match self {
            VarType::Real => "real",
            VarType::Int => "int",
            VarType::Str => "string",
        }
    }
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A declared input or output.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub var_type: VarType,
    pub description: String,
}
