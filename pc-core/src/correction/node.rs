//! The evaluation tree and its semantics (those of correctionlib's C++ evaluator).

use super::hashprng::{self, Distribution};
use super::value::Value;
use crate::formula::Formula;
use std::collections::HashMap;

/// A content node.
#[derive(Debug)]
pub(crate) enum Node {
    Const(f64),
    Binning(Binning),
    MultiBinning(MultiBinning),
    Category(Category),
    /// A formula with its parameters bound; `vars[i]` is the input index of x, y, z, t.
    Formula {
        formula: Formula,
        vars: Box<[u32]>,
    },
    Transform {
        input: u32,
        rule: Box<Node>,
        content: Box<Node>,
    },
    HashPrng {
        inputs: Box<[u32]>,
        distribution: Distribution,
    },
}

/// What to do with values outside the edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Clamp,
    Error,
    Wrap,
    /// The default content is stored after the bins.
    Value,
}

/// Bin edges: uniform `{n, low, high}` or explicit.
#[derive(Debug)]
pub(crate) enum Edges {
    Uniform { n: usize, low: f64, high: f64 },
    Explicit(Box<[f64]>, Option<Guide>),
}

/// For long, nearly evenly spaced explicit edges: first edge and inverse spacing, to
/// guess the bin before checking it against the edges (the result is the exact search's).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guide {
    low: f64,
    inv_step: f64,
}

impl Guide {
    /// A guide if the edges are long and within half a bin of even spacing.
    pub(crate) fn for_edges(edges: &[f64]) -> Option<Guide> {
        let n = edges.len();
        if n <= 32 || !edges[0].is_finite() || !edges[n - 1].is_finite() {
            return None;
        }
        let step = (edges[n - 1] - edges[0]) / (n - 1) as f64;
        let even = edges
            .iter()
            .enumerate()
            .all(|(i, &e)| (e - (edges[0] + step * i as f64)).abs() < 0.5 * step);
        (step > 0.0 && even).then_some(Guide {
            low: edges[0],
            inv_step: 1.0 / step,
        })
    }

    /// `std::upper_bound(edges, value)` for a value with `edges[0] <= value < last`.
    #[inline]
    pub(crate) fn upper_bound(self, edges: &[f64], value: f64) -> usize {
        let mut i = (((value - self.low) * self.inv_step) as usize).min(edges.len() - 2);
        while i > 0 && edges[i] > value {
            i -= 1;
        }
        while edges[i + 1] <= value {
            i += 1;
        }
        i + 1
    }
}

impl Edges {
    pub(crate) fn n_bins(&self) -> usize {
        match self {
            Edges::Uniform { n, .. } => *n,
            Edges::Explicit(e, _) => e.len() - 1,
        }
    }

    pub(crate) fn range(&self) -> (f64, f64) {
        match self {
            Edges::Uniform { low, high, .. } => (*low, *high),
            Edges::Explicit(e, _) => (e[0], e[e.len() - 1]),
        }
    }

    /// The bin of `value`; `n_bins()` means "the default content" (as in correctionlib,
    /// also reached when a uniform index rounds up to `n`).
    #[inline]
    fn find(&self, value: f64, flow: Flow, input: u32) -> Result<usize, Fault> {
        let out_of_range = |above: bool| {
            let (low, high) = self.range();
            Fault::OutOfRange {
                input,
                value,
                above,
                low,
                high,
            }
        };
        match *self {
            Edges::Uniform { n, low, high } => {
                let mut norm = (value - low) / (high - low);
                if value < low || value >= high {
                    match flow {
                        Flow::Value => return Ok(n),
                        Flow::Clamp => return Ok(if value < low { 0 } else { n - 1 }),
                        Flow::Error => return Err(out_of_range(value >= low)),
                        Flow::Wrap => {}
                    }
                }
                if flow == Flow::Wrap {
                    norm -= norm.floor();
                }
                Ok((n as f64 * norm) as usize)
            }
            Edges::Explicit(ref edges, guide) => {
                let mut value = value;
                if flow == Flow::Wrap {
                    let (low, high) = (edges[0], edges[edges.len() - 1]);
                    let mut norm = (value - low) / (high - low);
                    norm -= norm.floor();
                    value = low + norm * (high - low);
                }
                // std::upper_bound: the first edge greater than value (edges are sorted, so
                // for short lists counting the others is the same and branch-free)
                let upper = if let Some(g) =
                    guide.filter(|_| value >= edges[0] && value < edges[edges.len() - 1])
                {
                    g.upper_bound(edges, value)
                } else if edges.len() <= 32 {
                    edges
                        .iter()
                        .map(|&e| usize::from(not_below(value, e)))
                        .sum()
                } else {
                    edges.partition_point(|&e| not_below(value, e))
                };
                let last = edges.len() - 1;
                if upper == 0 {
                    match flow {
                        Flow::Value => Ok(last),
                        Flow::Error => Err(out_of_range(false)),
                        Flow::Clamp | Flow::Wrap => Ok(0),
                    }
                } else if upper == edges.len() {
                    match flow {
                        Flow::Value => Ok(last),
                        Flow::Error => Err(out_of_range(true)),
                        Flow::Clamp | Flow::Wrap => Ok(last - 1),
                    }
                } else {
                    Ok(upper - 1)
                }
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Binning {
    pub input: u32,
    pub edges: Edges,
    /// One node per bin, then the default (0 unless the flow is a value).
    pub content: Box<[Node]>,
    pub flow: Flow,
}

#[derive(Debug)]
pub(crate) struct Axis {
    pub input: u32,
    pub stride: usize,
    pub edges: Edges,
}

#[derive(Debug)]
pub(crate) struct MultiBinning {
    pub axes: Box<[Axis]>,
    /// Row-major bins (last axis fastest), then the default if the flow is a value.
    pub content: Box<[Node]>,
    pub flow: Flow,
}

#[derive(Debug)]
pub(crate) struct Category {
    pub input: u32,
    pub keys: Keys,
    pub default: Option<Box<Node>>,
}

/// Category keys; small string maps are scanned, large ones hashed.
#[derive(Debug)]
pub(crate) enum Keys {
    Int(HashMap<i64, Node>),
    Str {
        items: Vec<(Box<str>, Node)>,
        index: Option<HashMap<Box<str>, usize>>,
    },
}

impl Keys {
    pub(crate) fn names(&self) -> Vec<String> {
        match self {
            Keys::Int(m) => {
                let mut k: Vec<i64> = m.keys().copied().collect();
                k.sort_unstable();
                k.iter().map(i64::to_string).collect()
            }
            Keys::Str { items, .. } => items.iter().map(|(k, _)| k.to_string()).collect(),
        }
    }
}

/// `!(value < edge)`: the predicate of `std::upper_bound`, written so that NaN counts as
/// above every edge, as in correctionlib.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[inline]
fn not_below(value: f64, edge: f64) -> bool {
    !(value < edge)
}

/// An evaluation failure, before the correction adds its name and input names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    OutOfRange {
        input: u32,
        value: f64,
        above: bool,
        low: f64,
        high: f64,
    },
    UnknownKey {
        input: u32,
        key: String,
        known: Vec<String>,
    },
}

/// Inputs held on the stack when a transform rewrites one.
const INLINE_INPUTS: usize = 16;

impl Node {
    #[inline]
    pub(crate) fn eval(&self, values: &[Value]) -> Result<f64, Fault> {
        match self {
            Node::Const(c) => Ok(*c),
            Node::Binning(b) => {
                let bin = b
                    .edges
                    .find(values[b.input as usize].number(), b.flow, b.input)?;
                b.content[bin].eval(values)
            }
            Node::MultiBinning(m) => {
                let mut index = 0;
                for axis in m.axes.iter() {
                    let v = values[axis.input as usize].number();
                    let bin = axis.edges.find(v, m.flow, axis.input)?;
                    if bin == axis.edges.n_bins() {
                        return m.content[m.content.len() - 1].eval(values);
                    }
                    index += bin * axis.stride;
                }
                m.content[index].eval(values)
            }
            Node::Category(c) => c.select(&values[c.input as usize])?.eval(values),
            Node::Formula { formula, vars } => {
                let mut x = [0.0; 4];
                for (slot, &i) in x.iter_mut().zip(vars.iter()) {
                    *slot = values[i as usize].number();
                }
                Ok(formula.eval(&x, &[]))
            }
            Node::Transform {
                input,
                rule,
                content,
            } => {
                let new = rule.eval(values)?;
                let i = *input as usize;
                let replaced = match values[i] {
                    Value::Int(_) => Value::Int(new.round() as i64),
                    _ => Value::Real(new),
                };
                if values.len() <= INLINE_INPUTS {
                    let mut copy = [Value::Real(0.0); INLINE_INPUTS];
                    copy[..values.len()].copy_from_slice(values);
                    copy[i] = replaced;
                    content.eval(&copy[..values.len()])
                } else {
                    let mut copy = values.to_vec();
                    copy[i] = replaced;
                    content.eval(&copy)
                }
            }
            Node::HashPrng {
                inputs,
                distribution,
            } => Ok(hashprng::sample(
                inputs.iter().map(|&i| values[i as usize]),
                *distribution,
            )),
        }
    }
}

impl Category {
    #[inline]
    pub(crate) fn select(&self, value: &Value) -> Result<&Node, Fault> {
        let found = match (&self.keys, value) {
            (Keys::Int(map), Value::Int(k)) => map.get(k),
            (Keys::Str { items, index: None }, Value::Str(k)) => {
                items.iter().find(|(key, _)| **key == **k).map(|(_, n)| n)
            }
            (
                Keys::Str {
                    items,
                    index: Some(index),
                },
                Value::Str(k),
            ) => index.get(*k).map(|&i| &items[i].1),
            _ => None,
        };
        match (found, &self.default) {
            (Some(node), _) => Ok(node),
            (None, Some(default)) => Ok(default),
            (None, None) => Err(Fault::UnknownKey {
                input: self.input,
                key: value.to_string(),
                known: self.keys.names(),
            }),
        }
    }
}

/// What the nodes of a correction accept for one input (for summaries).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Domain {
    /// The lowest and highest bin edge of the binnings on this input.
    pub range: Option<(f64, f64)>,
    /// The category keys used for this input (sorted, deduplicated).
    pub keys: Vec<String>,
    /// Whether some category on this input has a default.
    pub has_default: bool,
    /// How values beyond the edges are treated (`clamp`, `error`, `wrap`, `value`).
    pub flows: Vec<&'static str>,
}

impl Node {
    pub(crate) fn domain(&self, input: u32, d: &mut Domain) {
        let mut edges = |e: &Edges, flow: Flow, i: u32| {
            if i == input {
                let (lo, hi) = e.range();
                d.range = Some(d.range.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                let name = match flow {
                    Flow::Clamp => "clamp",
                    Flow::Error => "error",
                    Flow::Wrap => "wrap",
                    Flow::Value => "value",
                };
                if !d.flows.contains(&name) {
                    d.flows.push(name);
                }
            }
        };
        match self {
            Node::Const(_) | Node::Formula { .. } | Node::HashPrng { .. } => {}
            Node::Binning(b) => {
                edges(&b.edges, b.flow, b.input);
                b.content.iter().for_each(|n| n.domain(input, d));
            }
            Node::MultiBinning(m) => {
                m.axes.iter().for_each(|a| edges(&a.edges, m.flow, a.input));
                m.content.iter().for_each(|n| n.domain(input, d));
            }
            Node::Category(c) => {
                if c.input == input {
                    for k in c.keys.names() {
                        if !d.keys.contains(&k) {
                            d.keys.push(k);
                        }
                    }
                    d.has_default |= c.default.is_some();
                }
                match &c.keys {
                    Keys::Int(m) => m.values().for_each(|n| n.domain(input, d)),
                    Keys::Str { items, .. } => items.iter().for_each(|(_, n)| n.domain(input, d)),
                }
                if let Some(n) = &c.default {
                    n.domain(input, d);
                }
            }
            Node::Transform { rule, content, .. } => {
                rule.domain(input, d);
                content.domain(input, d);
            }
        }
    }
}
