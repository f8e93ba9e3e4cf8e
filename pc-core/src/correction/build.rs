//! Builds the evaluation tree from the JSON document, checking it as correctionlib does.

use super::compound::{CompoundCorrection, UpdateOp};
use super::error::CorrectionError;
use super::hashprng::Distribution;
use super::node::{Axis, Binning, Category, Edges, Flow, Keys, MultiBinning, Node};
use super::single::Correction;
use super::value::{VarType, Variable};
use crate::formula::Formula;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;

/// String maps with more keys than this get a hash index.
const SCAN_LIMIT: usize = 12;

/// Where in the file we are, for error messages.
pub(crate) struct Builder<'a> {
    pub file: &'a str,
}

type Res<T> = Result<T, CorrectionError>;

/// A file's description, corrections and compound corrections.
type Parts = (String, Vec<Arc<Correction>>, Vec<Arc<CompoundCorrection>>);

impl Builder<'_> {
    fn err(&self, at: &str, msg: impl Into<String>) -> CorrectionError {
        CorrectionError::Schema {
            file: self.file.to_string(),
            at: at.to_string(),
            msg: msg.into(),
        }
    }

    fn object<'j>(&self, v: &'j Json, at: &str) -> Res<&'j Map<String, Json>> {
        v.as_object()
            .ok_or_else(|| self.err(at, "expected an object"))
    }

    fn field<'j>(&self, o: &'j Map<String, Json>, key: &str, at: &str) -> Res<&'j Json> {
        o.get(key)
            .ok_or_else(|| self.err(at, format!("missing required attribute `{key}`")))
    }

    fn string<'j>(&self, o: &'j Map<String, Json>, key: &str, at: &str) -> Res<&'j str> {
        self.field(o, key, at)?
            .as_str()
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "expected a string"))
    }

    fn array<'j>(&self, o: &'j Map<String, Json>, key: &str, at: &str) -> Res<&'j [Json]> {
        self.field(o, key, at)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "expected an array"))
    }

    fn number(&self, v: &Json, at: &str) -> Res<f64> {
        super::nonfinite::number(v).ok_or_else(|| self.err(at, "expected a number"))
    }

    fn int(&self, o: &Map<String, Json>, key: &str, at: &str) -> Res<i64> {
        self.field(o, key, at)?
            .as_i64()
            .ok_or_else(|| self.err(&format!("{at}.{key}"), "expected an integer"))
    }

    fn variable(&self, v: &Json, at: &str) -> Res<Variable> {
        let o = self.object(v, at)?;
        let var_type = match self.string(o, "type", at)? {
            "real" => VarType::Real,
            "int" => VarType::Int,
            "string" => VarType::Str,
            other => return Err(self.err(at, format!("unknown variable type `{other}`"))),
        };
        Ok(Variable {
            name: self.string(o, "name", at)?.to_string(),
            var_type,
            description: o
                .get("description")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
        })
    }

    /// The whole document: schema version, corrections, compound corrections.
    pub(crate) fn set(&self, doc: &Json) -> Res<Parts> {
        let o = self.object(doc, "top level")?;
        let version = self.int(o, "schema_version", "top level")?;
        if version != 2 {
            return Err(self.err(
                "schema_version",
                format!("this evaluator reads schema version 2, the file is version {version}"),
            ));
        }
        let description = o
            .get("description")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
        let mut corrections: Vec<Arc<Correction>> = Vec::new();
        for (i, c) in self
            .array(o, "corrections", "top level")?
            .iter()
            .enumerate()
        {
            let corr = self.correction(c, &format!("corrections[{i}]"))?;
            if corrections.iter().any(|x| x.name == corr.name) {
                return Err(self.err(
                    &format!("corrections[{i}]"),
                    format!("duplicate name `{}`", corr.name),
                ));
            }
            corrections.push(Arc::new(corr));
        }
        let mut compounds: Vec<Arc<CompoundCorrection>> = Vec::new();
        if let Some(items) = o.get("compound_corrections").filter(|v| !v.is_null()) {
            let items = items
                .as_array()
                .ok_or_else(|| self.err("compound_corrections", "expected an array"))?;
            for (i, c) in items.iter().enumerate() {
                let comp = self.compound(c, &format!("compound_corrections[{i}]"), &corrections)?;
                if compounds.iter().any(|x| x.name == comp.name) {
                    return Err(self.err(
                        &format!("compound_corrections[{i}]"),
                        format!("duplicate name `{}`", comp.name),
                    ));
                }
                compounds.push(Arc::new(comp));
            }
        }
        Ok((description, corrections, compounds))
    }

    fn correction(&self, v: &Json, at: &str) -> Res<Correction> {
        let o = self.object(v, at)?;
        let name = self.string(o, "name", at)?.to_string();
        let at = &format!("{at} (`{name}`)");
        let output = self.variable(self.field(o, "output", at)?, &format!("{at}.output"))?;
        if output.var_type != VarType::Real {
            return Err(self.err(at, "outputs can only be real-valued"));
        }
        let inputs = self
            .array(o, "inputs", at)?
            .iter()
            .enumerate()
            .map(|(i, v)| self.variable(v, &format!("{at}.inputs[{i}]")))
            .collect::<Res<Vec<_>>>()?;
        let mut ctx = Ctx {
            b: self,
            inputs: &inputs,
            generic: Vec::new(),
        };
        if let Some(items) = o.get("generic_formulas").filter(|v| !v.is_null()) {
            let items = items
                .as_array()
                .ok_or_else(|| self.err(at, "generic_formulas: expected an array"))?;
            for (i, f) in items.iter().enumerate() {
                let at = format!("{at}.generic_formulas[{i}]");
                let (formula, vars) = ctx.formula(self.object(f, &at)?, &at)?;
                ctx.generic.push((formula, vars));
            }
        }
        let root = ctx.content(self.field(o, "data", at)?, &format!("{at}.data"))?;
        Ok(Correction {
            description: o
                .get("description")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            version: self.int(o, "version", at)?,
            name,
            inputs,
            output,
            root,
        })
    }

    fn compound(
        &self,
        v: &Json,
        at: &str,
        corrections: &[Arc<Correction>],
    ) -> Res<CompoundCorrection> {
        let o = self.object(v, at)?;
        let name = self.string(o, "name", at)?.to_string();
        let at = &format!("{at} (`{name}`)");
        let inputs = self
            .array(o, "inputs", at)?
            .iter()
            .enumerate()
            .map(|(i, v)| self.variable(v, &format!("{at}.inputs[{i}]")))
            .collect::<Res<Vec<_>>>()?;
        let output = self.variable(self.field(o, "output", at)?, &format!("{at}.output"))?;
        let index = |n: &str| {
            inputs
                .iter()
                .position(|v| v.name == n)
                .ok_or_else(|| self.err(at, format!("no input `{n}`")))
        };
        let mut inputs_update = Vec::new();
        for u in self.array(o, "inputs_update", at)? {
            let n = u
                .as_str()
                .ok_or_else(|| self.err(at, "inputs_update: expected strings"))?;
            let i = index(n)?;
            if inputs[i].var_type != VarType::Real {
                return Err(self.err(at, format!("updated input `{n}` must be real-valued")));
            }
            inputs_update.push(i);
        }
        let op = |key: &str, last_ok: bool| -> Res<UpdateOp> {
            match self.string(o, key, at)? {
                "+" => Ok(UpdateOp::Add),
                "*" => Ok(UpdateOp::Multiply),
                "/" => Ok(UpdateOp::Divide),
                "last" if last_ok => Ok(UpdateOp::Last),
                other => Err(self.err(at, format!("invalid {key} `{other}`"))),
            }
        };
        let mut stack = Vec::new();
        for s in self.array(o, "stack", at)? {
            let n = s
                .as_str()
                .ok_or_else(|| self.err(at, "stack: expected strings"))?;
            let corr = corrections.iter().find(|c| c.name == n).ok_or_else(|| {
                self.err(at, format!("stacked correction `{n}` is not in the file"))
            })?;
            let map = corr
                .inputs
                .iter()
                .map(|v| index(&v.name))
                .collect::<Res<Vec<_>>>()?;
            stack.push((corr.clone(), map));
        }
        Ok(CompoundCorrection {
            description: o
                .get("description")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string(),
            input_op: op("input_op", false)?,
            output_op: op("output_op", true)?,
            name,
            inputs,
            output,
            inputs_update,
            stack,
        })
    }
}

/// Building one correction's nodes.
struct Ctx<'a> {
    b: &'a Builder<'a>,
    inputs: &'a [Variable],
    generic: Vec<(Formula, Box<[u32]>)>,
}

impl Ctx<'_> {
    fn input(&self, o: &Map<String, Json>, key: &str, at: &str) -> Res<u32> {
        let name = self.b.string(o, key, at)?;
        self.index(name, at)
    }

    fn index(&self, name: &str, at: &str) -> Res<u32> {
        self.inputs
            .iter()
            .position(|v| v.name == name)
            .map(|i| i as u32)
            .ok_or_else(|| {
                self.b.err(
                    at,
                    format!(
                        "no input called `{name}` (inputs: {})",
                        super::single::input_names(self.inputs)
                    ),
                )
            })
    }

    fn numeric_input(&self, i: u32, what: &str, at: &str) -> Res<u32> {
        if self.inputs[i as usize].var_type == VarType::Str {
            return Err(self.b.err(
                at,
                format!(
                    "{what} cannot use the string input `{}`",
                    self.inputs[i as usize].name
                ),
            ));
        }
        Ok(i)
    }

    fn content(&self, v: &Json, at: &str) -> Res<Node> {
        if let Some(x) = super::nonfinite::number(v) {
            return Ok(Node::Const(x));
        }
        let o = self
            .b
            .object(v, at)
            .map_err(|_| self.b.err(at, "expected a number or a node object"))?;
        match self.b.string(o, "nodetype", at)? {
            "binning" => self.binning(o, at),
            "multibinning" => self.multibinning(o, at),
            "category" => self.category(o, at),
            "formula" => {
                let (formula, vars) = self.formula(o, at)?;
                let params = self.params(o, "parameters", at, false)?;
                let formula = formula
                    .bind(&params)
                    .map_err(|e| self.b.err(at, e.to_string()))?;
                Ok(Node::Formula { formula, vars })
            }
            "formularef" => {
                let index = self.b.int(o, "index", at)?;
                let (formula, vars) = usize::try_from(index)
                    .ok()
                    .and_then(|i| self.generic.get(i))
                    .ok_or_else(|| {
                        self.b
                            .err(at, format!("no generic formula with index {index}"))
                    })?;
                let params = self.params(o, "parameters", at, true)?;
                let formula = formula
                    .bind(&params)
                    .map_err(|e| self.b.err(at, e.to_string()))?;
                Ok(Node::Formula {
                    formula,
                    vars: vars.clone(),
                })
            }
            "transform" => {
                let input = self.input(o, "input", at)?;
                let input = self.numeric_input(input, "a transform", at)?;
                Ok(Node::Transform {
                    input,
                    rule: Box::new(
                        self.content(self.b.field(o, "rule", at)?, &format!("{at}.rule"))?,
                    ),
                    content: Box::new(
                        self.content(self.b.field(o, "content", at)?, &format!("{at}.content"))?,
                    ),
                })
            }
            "hashprng" => {
                let inputs = self
                    .b
                    .array(o, "inputs", at)?
                    .iter()
                    .map(|n| {
                        let n = n
                            .as_str()
                            .ok_or_else(|| self.b.err(at, "inputs: expected strings"))?;
                        self.numeric_input(self.index(n, at)?, "a hashprng", at)
                    })
                    .collect::<Res<Box<[u32]>>>()?;
                let distribution = match self.b.string(o, "distribution", at)? {
                    "stdflat" => Distribution::StdFlat,
                    "stdnormal" => Distribution::StdNormal,
                    "normal" => Distribution::Normal,
                    other => return Err(self.b.err(at, format!("unknown distribution `{other}`"))),
                };
                Ok(Node::HashPrng {
                    inputs,
                    distribution,
                })
            }
            other => Err(self.b.err(at, format!("unknown nodetype `{other}`"))),
        }
    }

    fn params(&self, o: &Map<String, Json>, key: &str, at: &str, required: bool) -> Res<Vec<f64>> {
        match o.get(key).filter(|v| !v.is_null()) {
            None if !required => Ok(Vec::new()),
            _ => self
                .b
                .array(o, key, at)?
                .iter()
                .map(|p| self.b.number(p, &format!("{at}.{key}")))
                .collect(),
        }
    }

    /// A formula (parameters not yet bound) and the input index of each variable.
    fn formula(&self, o: &Map<String, Json>, at: &str) -> Res<(Formula, Box<[u32]>)> {
        let parser = self.b.string(o, "parser", at)?;
        if parser != "TFormula" {
            return Err(self.b.err(
                at,
                format!("formula parser `{parser}` is not supported (only TFormula)"),
            ));
        }
        let vars = self
            .b
            .array(o, "variables", at)?
            .iter()
            .map(|n| {
                let n = n
                    .as_str()
                    .ok_or_else(|| self.b.err(at, "variables: expected strings"))?;
                let i = self.index(n, at)?;
                if self.inputs[i as usize].var_type != VarType::Real {
                    return Err(self.b.err(
                        at,
                        format!("formulas only accept real inputs, `{n}` is not"),
                    ));
                }
                Ok(i)
            })
            .collect::<Res<Box<[u32]>>>()?;
        let formula = Formula::parse(self.b.string(o, "expression", at)?)
            .map_err(|e| self.b.err(at, e.to_string()))?;
        if formula.n_vars() > vars.len() {
            return Err(self.b.err(
                at,
                format!(
                    "formula `{}` uses {} variables, {} declared",
                    formula.expression(),
                    formula.n_vars(),
                    vars.len()
                ),
            ));
        }
        Ok((formula, vars))
    }

    fn edges(&self, v: &Json, at: &str) -> Res<Edges> {
        if let Some(o) = v.as_object() {
            let n = self.b.int(o, "n", at)?;
            if n <= 0 {
                return Err(self.b.err(at, "uniform binning needs at least one bin"));
            }
            let low = self.b.number(self.b.field(o, "low", at)?, at)?;
            let high = self.b.number(self.b.field(o, "high", at)?, at)?;
            return Ok(Edges::Uniform {
                n: n as usize,
                low,
                high,
            });
        }
        let items = v
            .as_array()
            .ok_or_else(|| self.b.err(at, "edges must be an array or {n, low, high}"))?;
        let mut edges = Vec::with_capacity(items.len());
        for e in items {
            let x = match e {
                Json::String(s) if s == "inf" || s == "+inf" => f64::INFINITY,
                Json::String(s) if s == "-inf" => f64::NEG_INFINITY,
                _ => self.b.number(e, at)?,
            };
            if edges.last().is_some_and(|&last| last >= x) {
                return Err(self.b.err(at, "bin edges are not increasing"));
            }
            edges.push(x);
        }
        if edges.len() < 2 {
            return Err(self.b.err(at, "a binning needs at least two edges"));
        }
        let guide = super::node::Guide::for_edges(&edges);
        Ok(Edges::Explicit(edges.into(), guide))
    }

    /// The flow behaviour, and the default node if it is a value.
    fn flow(&self, o: &Map<String, Json>, at: &str) -> Res<(Flow, Option<Node>)> {
        let v = self.b.field(o, "flow", at)?;
        Ok(match v.as_str() {
            Some("clamp") => (Flow::Clamp, None),
            Some("error") => (Flow::Error, None),
            Some("wrap") => (Flow::Wrap, None),
            _ => (Flow::Value, Some(self.content(v, &format!("{at}.flow"))?)),
        })
    }

    fn nodes(&self, items: &[Json], at: &str) -> Res<Vec<Node>> {
        items
            .iter()
            .enumerate()
            .map(|(i, c)| self.content(c, &format!("{at}.content[{i}]")))
            .collect()
    }

    fn binning(&self, o: &Map<String, Json>, at: &str) -> Res<Node> {
        let input = self.input(o, "input", at)?;
        let input = self.numeric_input(input, "a binning", at)?;
        let edges = self.edges(self.b.field(o, "edges", at)?, &format!("{at}.edges"))?;
        let mut content = self.nodes(self.b.array(o, "content", at)?, at)?;
        if content.len() != edges.n_bins() {
            return Err(self.b.err(
                at,
                format!("{} bins but {} contents", edges.n_bins(), content.len()),
            ));
        }
        let (flow, default) = self.flow(o, at)?;
        content.push(default.unwrap_or(Node::Const(0.0)));
        Ok(Node::Binning(Binning {
            input,
            edges,
            content: content.into(),
            flow,
        }))
    }

    fn multibinning(&self, o: &Map<String, Json>, at: &str) -> Res<Node> {
        let names = self.b.array(o, "inputs", at)?;
        let all_edges = self.b.array(o, "edges", at)?;
        if names.len() != all_edges.len() {
            return Err(self.b.err(at, "as many inputs as edge lists are needed"));
        }
        let mut axes = Vec::new();
        for (k, (n, e)) in names.iter().zip(all_edges).enumerate() {
            let n = n
                .as_str()
                .ok_or_else(|| self.b.err(at, "inputs: expected strings"))?;
            let input = self.numeric_input(self.index(n, at)?, "a multibinning", at)?;
            axes.push(Axis {
                input,
                stride: 0,
                edges: self.edges(e, &format!("{at}.edges[{k}]"))?,
            });
        }
        let mut stride = 1;
        for axis in axes.iter_mut().rev() {
            axis.stride = stride;
            stride *= axis.edges.n_bins();
        }
        let mut content = self.nodes(self.b.array(o, "content", at)?, at)?;
        if content.len() != stride {
            return Err(self
                .b
                .err(at, format!("{stride} bins but {} contents", content.len())));
        }
        let (flow, default) = self.flow(o, at)?;
        content.extend(default);
        Ok(Node::MultiBinning(MultiBinning {
            axes: axes.into(),
            content: content.into(),
            flow,
        }))
    }

    fn category(&self, o: &Map<String, Json>, at: &str) -> Res<Node> {
        let input = self.input(o, "input", at)?;
        let var_type = self.inputs[input as usize].var_type;
        let items = self.b.array(o, "content", at)?;
        let keys = match var_type {
            VarType::Str => {
                let mut list: Vec<(Box<str>, Node)> = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{at}.content[{i}]");
                    let io = self.b.object(item, &at)?;
                    let key = self.b.string(io, "key", &at)?;
                    let node = self.content(self.b.field(io, "value", &at)?, &at)?;
                    if !list.iter().any(|(k, _)| &**k == key) {
                        list.push((key.into(), node));
                    }
                }
                let index = (list.len() > SCAN_LIMIT).then(|| {
                    list.iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.clone(), i))
                        .collect()
                });
                Keys::Str { items: list, index }
            }
            VarType::Int => {
                let mut map = HashMap::new();
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{at}.content[{i}]");
                    let io = self.b.object(item, &at)?;
                    let key = self.b.int(io, "key", &at)?;
                    let node = self.content(self.b.field(io, "value", &at)?, &at)?;
                    map.entry(key).or_insert(node);
                }
                Keys::Int(map)
            }
            VarType::Real => return Err(self.b.err(at, "a category cannot use a real input")),
        };
        let default = match o.get("default").filter(|v| !v.is_null()) {
            Some(d) => Some(Box::new(self.content(d, &format!("{at}.default"))?)),
            None => None,
        };
        Ok(Node::Category(Category {
            input,
            keys,
            default,
        }))
    }
}
