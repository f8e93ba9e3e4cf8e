//! OmegaConf-style interpolation, resolved once after merging.
//!
//! Supported forms inside string values:
//! - `${a.b.c}`: the value at an absolute key path (list items by index: `${a.list.0}`);
//! - `${.sibling}`, `${..uncle}`: relative to the node's parent (one more dot per level up);
//! - `${name:}` / `${name:sub/path}`: a registered directory (`data_dir`, `config_dir`, ...);
//! - `${pico_to_femto:x}` (x / 1000), `${oc.env:VAR}` / `${oc.env:VAR,default}`;
//! - nesting in resolver arguments, e.g. `${pico_to_femto:${lumi.picobarns.2018.tot}}`;
//! - `\${` for a literal `${`.
//!
//! A string that is exactly one interpolation takes the type of the result (number, list, map);
//! otherwise the pieces are concatenated as text. References are followed through other
//! interpolations; a cycle, or a chain longer than [`MAX_CHAIN`], is an error that lists the chain.

use std::borrow::Cow;
use std::collections::HashMap;

use super::params::{Node, ParamError, join};
use crate::util::did_you_mean;

const BUILTIN_RESOLVERS: &[&str] = &["pico_to_femto", "oc.env"];

/// The longest chain of references followed (`a: ${b}`, `b: ${c}`, ...) before giving up: real
/// parameters chain a few links; the limit keeps a runaway chain from overflowing the stack.
pub const MAX_CHAIN: usize = 32;
/// How deeply interpolations may nest inside resolver arguments (`${f:${g:${h:x}}}`).
pub const MAX_NESTING: usize = 32;

/// Resolves every interpolation in `root`. `origin` names the file that set a key, for errors.
pub(crate) fn resolve(
    root: &Node,
    dirs: &[(String, String)],
    origin: &dyn Fn(&str) -> String,
) -> Result<Node, ParamError> {
    let mut ctx = Ctx {
        raw: root,
        dirs,
        stack: Vec::new(),
        cache: HashMap::new(),
    };
    ctx.resolve_node(&[], root).map_err(|(key, message)| {
        let file = origin(&key);
        ParamError::Interpolation { key, file, message }
    })
}

/// (dotted key being resolved, message)
type Fail = (String, String);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(String),
    Ref(String),
    Call { name: String, args: Vec<Vec<Piece>> },
}

/// Whether `s` contains an interpolation (an unescaped `${`).
fn has_interpolation(s: &str) -> bool {
    s.contains("${")
}

/// Parses a template string into pieces.
fn parse(s: &str) -> Result<Vec<Piece>, String> {
    let (pieces, end) = parse_seq(s, 0, b"", 0)?;
    debug_assert_eq!(end, s.len());
    Ok(pieces)
}

/// Parses pieces from `i` until one of `stop` (at nesting depth 0) or the end of `s`; `depth`
/// counts the enclosing resolver calls.
fn parse_seq(
    s: &str,
    mut i: usize,
    stop: &[u8],
    depth: usize,
) -> Result<(Vec<Piece>, usize), String> {
    let b = s.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut start = i;
    while i < b.len() {
        if stop.contains(&b[i]) {
            break;
        }
        if b[i] == b'\\' && s[i + 1..].starts_with("${") {
            lit.push_str(&s[start..i]);
            lit.push_str("${");
            i += 3;
            start = i;
        } else if s[i..].starts_with("${") {
            lit.push_str(&s[start..i]);
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            let (piece, next) = parse_interp(s, i + 2, depth)?;
            pieces.push(piece);
            i = next;
            start = i;
        } else {
            i += 1;
        }
    }
    lit.push_str(&s[start..i]);
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok((pieces, i))
}

/// Parses after `${` up to and including the matching `}`.
fn parse_interp(s: &str, i: usize, depth: usize) -> Result<(Piece, usize), String> {
    let b = s.as_bytes();
    let mut j = i;
    while j < b.len() && b[j] != b':' && b[j] != b'}' {
        if b[j] == b'$' || b[j] == b'{' {
            return Err(format!(
                "nested interpolation in a key (`{}`) is not supported",
                &s[i - 2..]
            ));
        }
        j += 1;
    }
    if j == b.len() {
        return Err(format!("unterminated `${{` in `{s}`"));
    }
    let name = s[i..j].trim().to_string();
    if name.is_empty() {
        return Err(format!("empty interpolation `${{}}` in `{s}`"));
    }
    if b[j] == b'}' {
        return Ok((Piece::Ref(name), j + 1));
    }
    // A resolver call: comma-separated arguments up to the closing brace.
    if depth >= MAX_NESTING {
        return Err(format!(
            "interpolations nested more than {MAX_NESTING} deep in resolver arguments in `{}`",
            excerpt(s)
        ));
    }
    let mut args = Vec::new();
    let mut k = j + 1;
    loop {
        let (arg, next) = parse_seq(s, k, b",}", depth + 1)?;
        if next == b.len() {
            return Err(format!("unterminated `${{{name}:` in `{s}`"));
        }
        args.push(trim_arg(arg));
        k = next + 1;
        if b[next] == b'}' {
            break;
        }
    }
    if args.len() == 1 && args[0].is_empty() {
        args.clear();
    }
    Ok((Piece::Call { name, args }, k))
}

/// The start of a long template, for messages.
fn excerpt(s: &str) -> Cow<'_, str> {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => Cow::Owned(format!("{}...", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}

/// Strips whitespace around an argument (OmegaConf does), keeping inner spaces.
fn trim_arg(mut arg: Vec<Piece>) -> Vec<Piece> {
    if let Some(Piece::Lit(s)) = arg.first_mut() {
        *s = s.trim_start().to_string();
    }
    if let Some(Piece::Lit(s)) = arg.last_mut() {
        *s = s.trim_end().to_string();
    }
    arg.retain(|p| !matches!(p, Piece::Lit(s) if s.is_empty()));
    arg
}

struct Ctx<'a> {
    raw: &'a Node,
    dirs: &'a [(String, String)],
    /// Keys whose interpolation is being evaluated (cycle detection).
    stack: Vec<String>,
    cache: HashMap<String, Node>,
}

impl<'a> Ctx<'a> {
    /// The node at `path` with every interpolation inside it resolved.
    fn resolve_node(&mut self, path: &[String], node: &Node) -> Result<Node, Fail> {
        match node {
            Node::Str(s) if has_interpolation(s) => self.eval_string(path, s),
            Node::Map(m) => {
                let mut out = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let child = with(path, k);
                    out.push((k.clone(), self.resolve_node(&child, v)?));
                }
                Ok(Node::Map(out))
            }
            Node::List(l) => {
                let mut out = Vec::with_capacity(l.len());
                for (i, v) in l.iter().enumerate() {
                    let child = with(path, &i.to_string());
                    out.push(self.resolve_node(&child, v)?);
                }
                Ok(Node::List(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn eval_string(&mut self, path: &[String], s: &str) -> Result<Node, Fail> {
        let key = path.join(".");
        if let Some(done) = self.cache.get(&key) {
            return Ok(done.clone());
        }
        if let Some(pos) = self.stack.iter().position(|k| *k == key) {
            let mut chain: Vec<&str> = self.stack[pos..].iter().map(String::as_str).collect();
            chain.push(&key);
            return Err((
                key.clone(),
                format!("interpolation cycle: {}", chain.join(" -> ")),
            ));
        }
        if self.stack.len() >= MAX_CHAIN {
            return Err(self.chain_too_long(&key));
        }
        let pieces = parse(s).map_err(|m| (key.clone(), m))?;
        self.stack.push(key.clone());
        let result = self.eval_pieces(path, &pieces);
        self.stack.pop();
        let node = result?;
        self.cache.insert(key, node.clone());
        Ok(node)
    }

    /// The error for a reference chain longer than [`MAX_CHAIN`], named by the key it started at.
    fn chain_too_long(&self, key: &str) -> Fail {
        let mut chain: Vec<&str> = self.stack.iter().map(String::as_str).collect();
        chain.push(key);
        (
            chain[0].to_string(),
            format!(
                "more than {MAX_CHAIN} chained references (a runaway chain?): {}",
                chain.join(" -> ")
            ),
        )
    }

    fn eval_pieces(&mut self, path: &[String], pieces: &[Piece]) -> Result<Node, Fail> {
        if let [single @ (Piece::Ref(_) | Piece::Call { .. })] = pieces {
            return self.eval_piece(path, single);
        }
        let mut out = String::new();
        for p in pieces {
            let node = self.eval_piece(path, p)?;
            out.push_str(&to_text(&node).map_err(|m| (path.join("."), m))?);
        }
        Ok(Node::Str(out))
    }

    fn eval_piece(&mut self, path: &[String], piece: &Piece) -> Result<Node, Fail> {
        let key = path.join(".");
        match piece {
            Piece::Lit(s) => Ok(Node::Str(s.clone())),
            Piece::Ref(r) => {
                let target = absolute(path, r).map_err(|m| (key.clone(), m))?;
                let node = self.lookup(&key, r, &target)?;
                if let Node::Missing = node {
                    return Err((
                        key,
                        format!(
                            "`${{{r}}}` refers to `{}`, which is `???` (never set)",
                            target.join(".")
                        ),
                    ));
                }
                Ok(node)
            }
            Piece::Call { name, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval_pieces(path, a)?);
                }
                self.call(name, &values).map_err(|m| (key, m))
            }
        }
    }

    /// The resolved node at `target`, following interpolations met on the way.
    fn lookup(&mut self, from: &str, text: &str, target: &[String]) -> Result<Node, Fail> {
        let mut cur: Cow<'a, Node> = Cow::Borrowed(self.raw);
        for (i, seg) in target.iter().enumerate() {
            if let Node::Str(s) = &*cur
                && has_interpolation(s)
            {
                let resolved = self.resolve_node(&target[..i], &cur)?;
                cur = Cow::Owned(resolved);
            }
            let missing = |node: &Node| {
                let at = target[..i].join(".");
                let hint = did_you_mean(seg, node.keys())
                    .map(|s| format!("; did you mean `{}`?", join(&at, s)))
                    .unwrap_or_default();
                let place = if at.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("under `{at}` ({})", node.kind())
                };
                (
                    from.to_string(),
                    format!("`${{{text}}}`: no key `{seg}` {place}{hint}"),
                )
            };
            cur = match cur {
                Cow::Borrowed(n) => Cow::Borrowed(n.child(seg).ok_or_else(|| missing(n))?),
                Cow::Owned(n) => Cow::Owned(n.child(seg).ok_or_else(|| missing(&n))?.clone()),
            };
        }
        self.resolve_node(target, &cur)
    }

    fn call(&self, name: &str, args: &[Node]) -> Result<Node, String> {
        if let Some((_, dir)) = self.dirs.iter().find(|(n, _)| n == name) {
            return match args {
                [] => Ok(Node::Str(dir.clone())),
                [sub] => {
                    let sub = to_text(sub)?;
                    let sep = if dir.ends_with('/') || sub.starts_with('/') {
                        ""
                    } else {
                        "/"
                    };
                    Ok(Node::Str(format!("{dir}{sep}{sub}")))
                }
                _ => Err(format!(
                    "`${{{name}:...}}` takes at most one argument (a sub-path)"
                )),
            };
        }
        match name {
            "pico_to_femto" => match args {
                [x] => number(x)
                    .map(|x| Node::Float(x / 1000.0))
                    .ok_or_else(|| format!("`pico_to_femto` needs a number, got {}", x.kind())),
                _ => Err("`pico_to_femto` takes one argument".to_string()),
            },
            "oc.env" => match args {
                [var] | [var, _] => {
                    let var = to_text(var)?;
                    match (std::env::var(&var), args.get(1)) {
                        (Ok(v), _) => Ok(Node::Str(v)),
                        (Err(_), Some(default)) => Ok(default.clone()),
                        (Err(_), None) => Err(format!("environment variable `{var}` is not set")),
                    }
                }
                _ => Err("`oc.env` takes one or two arguments".to_string()),
            },
            _ => {
                let known: Vec<&str> = self
                    .dirs
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .chain(BUILTIN_RESOLVERS.iter().copied())
                    .collect();
                let hint = did_you_mean(name, known.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let extra = if name == "cvmfs" {
                    " (no CVMFS here: point the key at a local file)"
                } else if name.ends_with("_dir") {
                    " (register it with ParamsBuilder::dir)"
                } else {
                    ""
                };
                Err(format!(
                    "unknown resolver `{name}`{extra}; known: {}{hint}",
                    known.join(", ")
                ))
            }
        }
    }
}

fn with(path: &[String], seg: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(seg.to_string());
    p
}

/// The absolute path of reference `r` written at key `path`.
fn absolute(path: &[String], r: &str) -> Result<Vec<String>, String> {
    let dots = r.bytes().take_while(|&c| c == b'.').count();
    let rest = &r[dots..];
    let mut out = if dots == 0 {
        Vec::new()
    } else {
        // One dot: the container holding this key; each further dot goes one level up.
        let up = dots;
        if up > path.len() {
            return Err(format!(
                "relative reference `${{{r}}}` goes above the top level"
            ));
        }
        path[..path.len() - up].to_vec()
    };
    if !rest.is_empty() {
        for seg in rest.split('.') {
            if seg.is_empty() {
                return Err(format!("malformed key `{r}` in `${{{r}}}`"));
            }
            out.push(seg.to_string());
        }
    }
    Ok(out)
}

fn number(n: &Node) -> Option<f64> {
    match n {
        Node::Int(i) => Some(*i as f64),
        Node::Float(f) => Some(*f),
        Node::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A scalar as text (Python's `str` conventions, as OmegaConf does).
fn to_text(n: &Node) -> Result<String, String> {
    Ok(match n {
        Node::Null => "None".to_string(),
        Node::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => format!("{f:.1}"),
        Node::Float(f) => f.to_string(),
        Node::Str(s) => s.clone(),
        other => return Err(format!("cannot insert {} into a string", other.kind())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_templates() {
        assert_eq!(parse("plain").unwrap(), vec![Piece::Lit("plain".into())]);
        assert_eq!(
            parse("${a.b}/x.json").unwrap(),
            vec![Piece::Ref("a.b".into()), Piece::Lit("/x.json".into())]
        );
        assert_eq!(
            parse("${f: ${a} , b}").unwrap(),
            vec![Piece::Call {
                name: "f".into(),
                args: vec![vec![Piece::Ref("a".into())], vec![Piece::Lit("b".into())]],
            }]
        );
        assert_eq!(
            parse("${d:}").unwrap(),
            vec![Piece::Call {
                name: "d".into(),
                args: vec![]
            }]
        );
        assert_eq!(parse(r"\${x}").unwrap(), vec![Piece::Lit("${x}".into())]);
        assert!(parse("${a").is_err());
        assert!(parse("${f:a").is_err());
        assert!(parse("${}").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let nested = |n: usize| format!("{}x{}", "${f:".repeat(n), "}".repeat(n));
        assert!(parse(&nested(MAX_NESTING)).is_ok());
        let e = parse(&nested(MAX_NESTING + 1)).unwrap_err();
        assert!(e.contains("nested more than 32 deep"), "{e}");
        let e = parse(&nested(100_000)).unwrap_err();
        assert!(
            e.contains("nested more than 32 deep") && e.len() < 200,
            "{e}"
        );
    }

    #[test]
    fn relative_paths() {
        let p: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(absolute(&p, ".x").unwrap(), ["a", "b", "x"]);
        assert_eq!(absolute(&p, "..x").unwrap(), ["a", "x"]);
        assert_eq!(absolute(&p, "x.y").unwrap(), ["x", "y"]);
        assert!(absolute(&p, "....x").is_err());
    }
}
