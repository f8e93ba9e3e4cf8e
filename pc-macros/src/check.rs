//! Checks the macro makes itself: branches against the schema catalog, cross references
//! between items, duplicate names. Type correctness is left to rustc (see `emit`).

use std::collections::BTreeSet;

use quote::ToTokens;
use syn::{Ident, ReturnType, Type};

use crate::model::{Analysis, Errors, Record, Stage, Target};
use crate::schema::{self, Schema, closest};

pub(crate) fn analysis(a: &Analysis, errors: &mut Errors) {
    match Schema::load(&a.schema.value()) {
        Ok(schema) => {
            for rec in a.event.iter().chain(&a.collections) {
                record(rec, &schema, &a.schema.value(), errors);
            }
        }
        Err(msg) => errors.at(a.schema.span(), msg),
    }
    let cuts: Vec<&Ident> = a
        .funcs
        .iter()
        .filter(|f| f.stage == Stage::Cut)
        .map(|f| &f.ident)
        .collect();
    let categories: Vec<&Ident> = a.categories.iter().map(|c| &c.ident).collect();
    unique("category", categories.iter().copied(), errors);
    unique("histogram", a.hists.iter().map(|h| &h.ident), errors);
    unique("collection", a.collections.iter().map(|c| &c.ident), errors);
    for cat in &a.categories {
        for cut in &cat.cuts {
            known("cut", "`#[cut]` functions", cut, &cuts, errors);
        }
    }
    let mut per_sample: std::collections::BTreeMap<String, Vec<&Ident>> = Default::default();
    for sub in &a.subsamples {
        for cut in &sub.cuts {
            known("cut", "`#[cut]` functions", cut, &cuts, errors);
        }
        per_sample
            .entry(sub.sample.value())
            .or_default()
            .push(&sub.ident);
    }
    for (sample, subs) in &per_sample {
        unique(
            &format!("subsample of \"{sample}\""),
            subs.iter().copied(),
            errors,
        );
        if subs.len() > 64 {
            errors.at(
                subs[64].span(),
                format!("sample \"{sample}\" has more than 64 subsamples"),
            );
        }
    }
    for h in &a.hists {
        for cat in h.categories.iter().flatten() {
            known("category", "`categories!`", cat, &categories, errors);
        }
    }
    weights(a, &categories, errors);
    let mut labels = BTreeSet::new();
    for label in crate::lower::variation_labels(a) {
        if !labels.insert(label.0.clone()) {
            errors.at(
                label.1,
                format!("variation `{}` is declared twice", label.0),
            );
        }
    }
    for f in &a.funcs {
        let returns_result =
            matches!(&f.ret, ReturnType::Type(_, ty) if crate::lower::result_ok(ty).is_some());
        if f.stage == Stage::Calibrate && !matches!(f.ret, ReturnType::Default) && !returns_result {
            errors.at(
                f.ident.span(),
                "a `#[calibrate]` function corrects its `&mut [Collection]` in place and returns `()` or `Result<(), E>`",
            );
        }
        if matches!(
            f.stage,
            Stage::Skim | Stage::Preselect | Stage::Cut | Stage::Weight
        ) && matches!(f.ret, ReturnType::Default)
        {
            let ty = if f.stage == Stage::Weight {
                "f64"
            } else {
                "bool"
            };
            errors.at(
                f.ident.span(),
                format!("a {} function must return `{ty}`", f.stage.attr()),
            );
        }
        if matches!(f.stage, Stage::Setup | Stage::Produce) && matches!(f.ret, ReturnType::Default)
        {
            errors.at(
                f.ident.span(),
                format!(
                    "a {} function must return the value it provides",
                    f.stage.attr()
                ),
            );
        }
    }
}

/// `weights!`: known weights and categories, no weight applied twice to the same events.
fn weights(a: &Analysis, categories: &[&Ident], errors: &mut Errors) {
    let Some(rules) = &a.weights else { return };
    let defined: Vec<&Ident> = a
        .funcs
        .iter()
        .filter(|f| f.stage == Stage::Weight)
        .map(|f| &f.ident)
        .collect();
    let inclusive: Vec<&Ident> = rules
        .iter()
        .filter(|r| matches!(r.target, Target::Inclusive))
        .flat_map(|r| &r.weights)
        .collect();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for rule in rules {
        let scope = match &rule.target {
            Target::Inclusive => "inclusive".to_string(),
            Target::Category(c) => {
                known("category", "`categories!`", c, categories, errors);
                format!("category `{c}`")
            }
            Target::Sample(s) => format!("sample \"{}\"", s.value()),
        };
        for w in &rule.weights {
            known("weight", "`#[weight]` functions", w, &defined, errors);
            let again = !seen.insert((scope.clone(), w.to_string()));
            let also_inclusive =
                !matches!(rule.target, Target::Inclusive) && inclusive.contains(&w);
            if again {
                errors.at(
                    w.span(),
                    format!("weight `{w}` is listed twice for {scope}"),
                );
            } else if also_inclusive {
                errors.at(
                    w.span(),
                    format!("weight `{w}` is already inclusive; applying it to {scope} too would count it twice"),
                );
            }
        }
    }
}

/// Each field's branch exists, has the field's type, and has the record's shape.
fn record(rec: &Record, schema: &Schema, schema_name: &str, errors: &mut Errors) {
    let counter = rec.prefix.as_ref().map(|p| format!("n{p}"));
    for f in &rec.fields {
        let Some(b) = schema.get(&f.branch) else {
            let hint = schema
                .suggest(&f.branch)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            errors.at(
                f.branch_span,
                format!("branch `{}` is not in schema {schema_name}{hint}", f.branch),
            );
            continue;
        };
        let rust = f.ty.to_token_stream().to_string();
        match schema::code_of(&rust) {
            None => errors.push(syn::Error::new_spanned(
                &f.ty,
                format!("a branch field is one of bool, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64, not `{rust}`"),
            )),
            Some(code) if code != b.ty => errors.push(syn::Error::new_spanned(
                &f.ty,
                format!(
                    "branch `{}` is `{}` in schema {schema_name}, not `{rust}`",
                    f.branch,
                    schema::rust_of(b.ty)
                ),
            )),
            Some(_) => {}
        }
        match (&counter, b.counter) {
            (Some(want), Some(got)) if want != got => errors.at(
                f.branch_span,
                format!("branch `{}` is counted by `{got}`, not `{want}`", f.branch),
            ),
            (Some(want), None) => errors.at(
                f.branch_span,
                format!(
                    "branch `{}` is a scalar, not a collection counted by `{want}`",
                    f.branch
                ),
            ),
            (None, Some(got)) => errors.at(
                f.branch_span,
                format!(
                    "branch `{}` is an array counted by `{got}`; declare it in a `#[collection]`",
                    f.branch
                ),
            ),
            _ => {}
        }
    }
}

fn unique<'a>(what: &str, names: impl Iterator<Item = &'a Ident>, errors: &mut Errors) {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.to_string()) {
            errors.at(n.span(), format!("duplicate {what} `{n}`"));
        }
    }
}

fn known(what: &str, from: &str, name: &Ident, declared: &[&Ident], errors: &mut Errors) {
    if declared.contains(&name) {
        return;
    }
    let names: Vec<String> = declared.iter().map(ToString::to_string).collect();
    let hint = match closest(&name.to_string(), names.iter().map(String::as_str)) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None if names.is_empty() => format!("; none are declared (they come from {from})"),
        None => format!("; declared: {}", names.join(", ")),
    };
    errors.at(name.span(), format!("unknown {what} `{name}`{hint}"));
}

/// The identifier a type is known by, for matching arguments: `Objects` for `Objects`,
/// `Objects<'a>` or `crate::Objects`.
pub(crate) fn type_key(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| &s.ident),
        Type::Paren(p) => type_key(&p.elem),
        Type::Group(g) => type_key(&g.elem),
        _ => None,
    }
}
