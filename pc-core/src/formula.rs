//! TFormula expressions as correctionlib and the JetMET text files write them.
//!
//! The grammar is correctionlib's (schema v2, parser `TFormula`): variables `x y z t`,
//! parameters `[i]`, literals (`-`? digits, optional fraction, optional `e-?digits`),
//! binary operators by increasing precedence `== !=`, `> < >= <=`, `+ -`, `* /`,
//! `^` (right associative), a unary minus on a primary (so `-x^2` is `(-x)^2`, as in
//! correctionlib), the functions `log log10 exp erf sqrt abs cos sin tan acos asin atan
//! cosh sinh tanh acosh asinh atanh` and `atan2 pow max min`. Comparisons give 1 or 0.
//!
//! An expression is parsed once into postfix code and evaluated without allocation.
//! `max`/`min` follow C++ `std::max`/`std::min` (`a < b ? b : a`) and `erf` is the C
//! library's, so results are bit-identical to correctionlib's.

use std::fmt;

/// A parse error: the expression, the byte position and what was expected there.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot parse formula `{expr}` at position {pos}: {msg}")]
pub struct FormulaError {
    pub expr: String,
    pub pos: usize,
    pub msg: String,
}

/// A one-argument function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryFn {
    Neg,
    Log,
    Log10,
    Exp,
    Erf,
    Sqrt,
    Abs,
    Cos,
    Sin,
    Tan,
    Acos,
    Asin,
    Atan,
    Cosh,
    Sinh,
    Tanh,
    Acosh,
    Asinh,
    Atanh,
}

/// A two-argument operator or function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFn {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Sub,
    Add,
    Div,
    Mul,
    Pow,
    Atan2,
    Max,
    Min,
}

/// One instruction of the postfix code.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Var(u8),
    Param(u32),
    Unary(UnaryFn),
    Binary(BinaryFn),
}

/// Stack depth served without allocation; deeper expressions use a heap stack.
const INLINE_STACK: usize = 32;

/// A compiled TFormula expression (immutable, `Send + Sync`).
#[derive(Clone, PartialEq)]
pub struct Formula {
    expr: String,
    code: Vec<Op>,
    depth: usize,
    n_vars: usize,
    n_params: usize,
}

impl fmt::Debug for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Formula({:?})", self.expr)
    }
}

impl Formula {
    /// Parses `expr` (see the module docs for the grammar).
    pub fn parse(expr: &str) -> Result<Formula, FormulaError> {
        let mut p = Parser {
            src: expr.as_bytes(),
            pos: 0,
            code: Vec::new(),
            expr,
        };
        p.expression(0)?;
        p.skip_ws();
        if p.pos != p.src.len() {
            return Err(p.error("unexpected text after the expression"));
        }
        let code = p.code;
        let (mut depth, mut max_depth, mut n_vars, mut n_params) = (0usize, 0usize, 0usize, 0usize);
        for op in &code {
            match *op {
                Op::Const(_) => depth += 1,
                Op::Var(i) => {
                    depth += 1;
                    n_vars = n_vars.max(i as usize + 1);
                }
                Op::Param(i) => {
                    depth += 1;
                    n_params = n_params.max(i as usize + 1);
                }
                Op::Unary(_) => {}
                Op::Binary(_) => depth -= 1,
            }
            max_depth = max_depth.max(depth);
        }
        Ok(Formula {
            expr: expr.to_string(),
            code,
            depth: max_depth,
            n_vars,
            n_params,
        })
    }

    /// The source text.
    pub fn expression(&self) -> &str {
        &self.expr
    }

    /// How many variables the expression needs (1 + the highest of x=0, y=1, z=2, t=3 used).
    pub fn n_vars(&self) -> usize {
        self.n_vars
    }

    /// How many parameters the expression needs (1 + the highest `[i]` used).
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// A copy with the parameters replaced by the given values (no parameters remain).
    /// Fails if `params` is shorter than [`n_params`](Self::n_params).
    pub fn bind(&self, params: &[f64]) -> Result<Formula, FormulaError> {
        if params.len() < self.n_params {
            return Err(FormulaError {
                expr: self.expr.clone(),
                pos: 0,
                msg: format!("needs {} parameters, got {}", self.n_params, params.len()),
            });
        }
        let code = self
            .code
            .iter()
            .map(|op| match *op {
                Op::Param(i) => Op::Const(params[i as usize]),
                other => other,
            })
            .collect();
        Ok(Formula {
            code,
            n_params: 0,
            expr: self.expr.clone(),
            ..*self
        })
    }

    /// Evaluates with variables `vars` (x, y, z, t) and parameters `params`.
    ///
    /// # Panics
    /// If `vars` or `params` are shorter than [`n_vars`](Self::n_vars) and
    /// [`n_params`](Self::n_params): callers check these once, when they build.
    #[inline]
    pub fn eval(&self, vars: &[f64], params: &[f64]) -> f64 {
        if self.depth <= INLINE_STACK {
            let mut stack = [0.0f64; INLINE_STACK];
            self.run(&mut stack, vars, params)
        } else {
            let mut stack = vec![0.0f64; self.depth];
            self.run(&mut stack, vars, params)
        }
    }

    #[inline]
    fn run(&self, stack: &mut [f64], vars: &[f64], params: &[f64]) -> f64 {
        let mut sp = 0usize;
        for op in &self.code {
            match *op {
                Op::Const(c) => {
                    stack[sp] = c;
                    sp += 1;
                }
                Op::Var(i) => {
                    stack[sp] = vars[i as usize];
                    sp += 1;
                }
                Op::Param(i) => {
                    stack[sp] = params[i as usize];
                    sp += 1;
                }
                Op::Unary(f) => stack[sp - 1] = unary(f, stack[sp - 1]),
                Op::Binary(f) => {
                    sp -= 1;
                    stack[sp - 1] = binary(f, stack[sp - 1], stack[sp]);
                }
            }
        }
        stack[0]
    }
}

// The C library's functions (what C++ `std::erf` etc. call); Rust's own `acosh`,
// `asinh` and `atanh` use different formulas and differ in the last bit.
unsafe extern "C" {
    safe fn erf(x: f64) -> f64;
    safe fn acosh(x: f64) -> f64;
    safe fn asinh(x: f64) -> f64;
    safe fn atanh(x: f64) -> f64;
}

#[inline]
fn unary(f: UnaryFn, a: f64) -> f64 {
    match f {
        UnaryFn::Neg => -a,
        UnaryFn::Log => a.ln(),
        UnaryFn::Log10 => a.log10(),
        UnaryFn::Exp => a.exp(),
        UnaryFn::Erf => erf(a),
        UnaryFn::Sqrt => a.sqrt(),
        UnaryFn::Abs => a.abs(),
        UnaryFn::Cos => a.cos(),
        UnaryFn::Sin => a.sin(),
        UnaryFn::Tan => a.tan(),
        UnaryFn::Acos => a.acos(),
        UnaryFn::Asin => a.asin(),
        UnaryFn::Atan => a.atan(),
        UnaryFn::Cosh => a.cosh(),
        UnaryFn::Sinh => a.sinh(),
        UnaryFn::Tanh => a.tanh(),
        UnaryFn::Acosh => acosh(a),
        UnaryFn::Asinh => asinh(a),
        UnaryFn::Atanh => atanh(a),
    }
}

#[inline]
fn binary(f: BinaryFn, a: f64, b: f64) -> f64 {
    let truth = |c: bool| if c { 1.0 } else { 0.0 };
    match f {
        BinaryFn::Eq => truth(a == b),
        BinaryFn::Ne => truth(a != b),
        BinaryFn::Gt => truth(a > b),
        BinaryFn::Lt => truth(a < b),
        BinaryFn::Ge => truth(a >= b),
        BinaryFn::Le => truth(a <= b),
        BinaryFn::Sub => a - b,
        BinaryFn::Add => a + b,
        BinaryFn::Div => a / b,
        BinaryFn::Mul => a * b,
        BinaryFn::Pow => a.powf(b),
        BinaryFn::Atan2 => a.atan2(b),
        // std::max / std::min semantics (NaN handling included)
        BinaryFn::Max => {
            if a < b {
                b
            } else {
                a
            }
        }
        BinaryFn::Min => {
            if b < a {
                b
            } else {
                a
            }
        }
    }
}

/// Binary operators, longest spelling first, with precedence and right associativity.
const OPERATORS: [(&str, BinaryFn, u8, bool); 11] = [
    ("==", BinaryFn::Eq, 1, false),
    ("!=", BinaryFn::Ne, 1, false),
    (">=", BinaryFn::Ge, 2, false),
    ("<=", BinaryFn::Le, 2, false),
    (">", BinaryFn::Gt, 2, false),
    ("<", BinaryFn::Lt, 2, false),
    ("-", BinaryFn::Sub, 3, false),
    ("+", BinaryFn::Add, 3, false),
    ("/", BinaryFn::Div, 4, false),
    ("*", BinaryFn::Mul, 4, false),
    ("^", BinaryFn::Pow, 5, true),
];

const UNARY_FUNCTIONS: [(&str, UnaryFn); 18] = [
    ("log", UnaryFn::Log),
    ("log10", UnaryFn::Log10),
    ("exp", UnaryFn::Exp),
    ("erf", UnaryFn::Erf),
    ("sqrt", UnaryFn::Sqrt),
    ("abs", UnaryFn::Abs),
    ("cos", UnaryFn::Cos),
    ("sin", UnaryFn::Sin),
    ("tan", UnaryFn::Tan),
    ("acos", UnaryFn::Acos),
    ("asin", UnaryFn::Asin),
    ("atan", UnaryFn::Atan),
    ("cosh", UnaryFn::Cosh),
    ("sinh", UnaryFn::Sinh),
    ("tanh", UnaryFn::Tanh),
    ("acosh", UnaryFn::Acosh),
    ("asinh", UnaryFn::Asinh),
    ("atanh", UnaryFn::Atanh),
];

const BINARY_FUNCTIONS: [(&str, BinaryFn); 4] = [
    ("atan2", BinaryFn::Atan2),
    ("pow", BinaryFn::Pow),
    ("max", BinaryFn::Max),
    ("min", BinaryFn::Min),
];

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    code: Vec<Op>,
    expr: &'a str,
}

impl Parser<'_> {
    fn error(&self, msg: impl Into<String>) -> FormulaError {
        FormulaError {
            expr: self.expr.to_string(),
            pos: self.pos,
            msg: msg.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), FormulaError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{}`", c as char)))
        }
    }

    /// Precedence climbing: an atom, then operators binding at least `min_prec`.
    fn expression(&mut self, min_prec: u8) -> Result<(), FormulaError> {
        self.atom()?;
        loop {
            self.skip_ws();
            let rest = &self.src[self.pos..];
            let Some(&(text, op, prec, right)) = OPERATORS
                .iter()
                .find(|(t, ..)| rest.starts_with(t.as_bytes()))
            else {
                return Ok(());
            };
            if prec < min_prec {
                return Ok(());
            }
            self.pos += text.len();
            self.expression(if right { prec } else { prec + 1 })?;
            self.code.push(Op::Binary(op));
        }
    }

    /// A literal, or an optionally negated call, variable, parameter or parenthesis.
    fn atom(&mut self) -> Result<(), FormulaError> {
        self.skip_ws();
        let starts_number = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit());
        if starts_number(self.peek())
            || (self.peek() == Some(b'-') && starts_number(self.src.get(self.pos + 1).copied()))
        {
            return self.literal();
        }
        let negate = self.peek() == Some(b'-');
        if negate {
            self.pos += 1;
            self.skip_ws();
        }
        self.primary()?;
        if negate {
            self.code.push(Op::Unary(UnaryFn::Neg));
        }
        Ok(())
    }

    fn literal(&mut self) -> Result<(), FormulaError> {
        let start = self.pos;
        let digits = |p: &mut Self| {
            let s = p.pos;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        digits(self);
        if self.peek() == Some(b'.') {
            self.pos += 1;
            digits(self);
        }
        if self.peek() == Some(b'e') {
            let before = self.pos;
            self.pos += 1;
            if self.peek() == Some(b'-') {
                self.pos += 1;
            }
            if !digits(self) {
                self.pos = before;
            }
        }
        let text = &self.expr[start..self.pos];
        let value = normalize_literal(text)
            .parse::<f64>()
            .map_err(|_| FormulaError {
                expr: self.expr.to_string(),
                pos: start,
                msg: format!("bad number `{text}`"),
            })?;
        self.code.push(Op::Const(value));
        Ok(())
    }

    fn primary(&mut self) -> Result<(), FormulaError> {
        let start = self.pos;
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                self.expression(0)?;
                self.expect(b')')
            }
            Some(b'[') => {
                self.pos += 1;
                self.skip_ws();
                let s = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let index: u32 = self.expr[s..self.pos]
                    .parse()
                    .map_err(|_| self.error("expected a parameter index"))?;
                self.code.push(Op::Param(index));
                self.expect(b']')
            }
            Some(c) if c.is_ascii_alphabetic() => {
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                {
                    self.pos += 1;
                }
                let name = &self.expr[start..self.pos];
                if let Some(i) = ["x", "y", "z", "t"].iter().position(|v| *v == name) {
                    self.code.push(Op::Var(i as u8));
                    return Ok(());
                }
                if let Some(&(_, f)) = UNARY_FUNCTIONS.iter().find(|(n, _)| *n == name) {
                    self.expect(b'(')?;
                    self.expression(0)?;
                    self.expect(b')')?;
                    self.code.push(Op::Unary(f));
                    return Ok(());
                }
                if let Some(&(_, f)) = BINARY_FUNCTIONS.iter().find(|(n, _)| *n == name) {
                    self.expect(b'(')?;
                    self.expression(0)?;
                    self.expect(b',')?;
                    self.expression(0)?;
                    self.expect(b')')?;
                    self.code.push(Op::Binary(f));
                    return Ok(());
                }
                self.pos = start;
                Err(self.error(format!(
                    "unknown name `{name}` (variables are x y z t; functions {})",
                    UNARY_FUNCTIONS
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(BINARY_FUNCTIONS.iter().map(|(n, _)| *n))
                        .collect::<Vec<_>>()
                        .join(" ")
                )))
            }
            Some(_) => Err(self.error(
                "expected a number, a variable (x y z t), a parameter [i], a function call or `(`",
            )),
            None => Err(self.error("unexpected end of the expression")),
        }
    }
}

/// Rust's float parser wants a digit after `.` before an exponent (`1.e5` -> `1.0e5`).
fn normalize_literal(text: &str) -> std::borrow::Cow<'_, str> {
    match text.find(".e") {
        Some(i) => format!("{}.0{}", &text[..i], &text[i + 1..]).into(),
        None if text.ends_with('.') => format!("{text}0").into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests;
