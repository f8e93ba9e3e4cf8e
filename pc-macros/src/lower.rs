//! From the checked model to what the generated code needs: where each argument comes
//! from, the branch list with indices, and the category and histogram tables.

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{GenericArgument, LitStr, PathArguments, ReturnType, Type};

use crate::check::type_key;
use crate::model::{Analysis, Errors, Func, Source, Stage, Target};

pub(crate) struct Plan {
    /// Sources of each function's arguments (parallel to `Analysis::funcs`).
    pub func_args: Vec<Vec<Source>>,
    /// Sources of each histogram closure's arguments (parallel to `Analysis::hists`).
    pub hist_args: Vec<Vec<Source>>,
    /// Whether a `#[setup]` or `#[weight]` function returns a `Result` (parallel to
    /// `Analysis::funcs`).
    pub fallible: Vec<bool>,
    /// `(branch, mc_only, when)` of the event fields (the collections' branches follow,
    /// from their `Collection::BRANCHES`).
    pub branches: Vec<(String, bool, Option<String>)>,
    /// The collection types: the module's `#[collection]` structs, then the other types
    /// taken as `&[T]` (their `Collection` impl comes from elsewhere), by spelling.
    pub collections: Vec<Type>,
    /// The `&T` arguments of types not declared in the module: `Resource`s, built once per
    /// dataset, by spelling.
    pub resources: Vec<Type>,
    /// For each category, the indices of its cuts in `Analysis::funcs`.
    pub category_cuts: Vec<Vec<usize>>,
    /// For each histogram, the indices of its categories.
    pub hist_categories: Vec<Vec<usize>>,
    /// For each subsample, the indices of its cuts in `Analysis::funcs`.
    pub subsample_cuts: Vec<Vec<usize>>,
    /// Labels of the `variation` axis, sorted (`nominal` among them).
    pub variations: Vec<String>,
    /// Weight variations of the applied weights, in axis order.
    pub weight_variations: Vec<Shifted>,
    /// Shape variations (after `nominal`), in declaration order.
    pub shape_variations: Vec<Shifted>,
    /// For each category, the weights applied to it: `(function, sample rule)`; a sample
    /// rule (index into `samples`) applies only to that sample.
    pub category_weights: Vec<Vec<(usize, Option<usize>)>>,
    /// The samples `weights!` names.
    pub samples: Vec<String>,
    /// Weights that are computed, with their number of variations, in declaration order.
    pub weights: Vec<(usize, usize)>,
    /// For each `#[calibrate]` function (by function index), the collection it corrects.
    pub calibrated: BTreeMap<usize, usize>,
}

/// One Up or Down shift of a weight or calibrator's `i`-th variation.
pub(crate) struct Shifted {
    pub func: usize,
    pub i: usize,
    pub up: bool,
    pub label: String,
}

impl Plan {
    /// Index of `label` on the `variation` axis.
    pub fn slot(&self, label: &str) -> usize {
        self.variations
            .iter()
            .position(|v| v == label)
            .expect("every label is on the axis")
    }
}

/// Number of Up/Down variations of a `#[weight]`: its `variations = [..]`, one if it
/// returns `UpDown`, else none.
pub(crate) fn weight_arity(f: &Func) -> usize {
    if !f.variations.is_empty() {
        return f.variations.len();
    }
    match weight_type(f) {
        Some(ty) if type_key(ty).is_some_and(|k| k == "UpDown") => 1,
        _ => 0,
    }
}

/// The value type of a `#[weight]`: its return type, or `T` of a `Result<T, E>`.
pub(crate) fn weight_type(f: &Func) -> Option<&Type> {
    match &f.ret {
        ReturnType::Type(_, ty) => Some(result_ok(ty).unwrap_or(ty)),
        ReturnType::Default => None,
    }
}

/// The Up/Down labels of a weight (`{w}Up`, or `{w}_{v}Up` for named variations) or of a
/// calibrator (`{v}Up`).
fn shifts(func: usize, f: &Func) -> Vec<Shifted> {
    let names: Vec<String> = match f.stage {
        Stage::Weight if f.variations.is_empty() => {
            vec![f.ident.to_string(); weight_arity(f)]
        }
        Stage::Weight => f
            .variations
            .iter()
            .map(|v| format!("{}_{v}", f.ident))
            .collect(),
        Stage::Calibrate => f.variations.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        for (up, dir) in [(true, "Up"), (false, "Down")] {
            out.push(Shifted {
                func,
                i,
                up,
                label: format!("{name}{dir}"),
            });
        }
    }
    out
}

/// Whether weight `f` is applied somewhere (every weight is, without `weights!`).
fn applied(a: &Analysis, f: &Func) -> bool {
    a.weights
        .as_ref()
        .is_none_or(|rules| rules.iter().any(|r| r.weights.contains(&f.ident)))
}

/// Every variation label with the span that declares it (for duplicate checks).
pub(crate) fn variation_labels(a: &Analysis) -> Vec<(String, proc_macro2::Span)> {
    a.funcs
        .iter()
        .enumerate()
        .filter(|(_, f)| f.stage == Stage::Calibrate || (f.stage == Stage::Weight && applied(a, f)))
        .flat_map(|(i, f)| {
            let span = f.variations.first().map_or(f.ident.span(), |v| v.span());
            shifts(i, f).into_iter().map(move |s| (s.label, span))
        })
        .collect()
}

pub(crate) fn plan(a: &Analysis, errors: &mut Errors) -> Plan {
    // The types `#[setup]` and `#[produce]` functions provide, by name.
    let mut provided: BTreeMap<String, usize> = BTreeMap::new();
    let mut fallible = vec![false; a.funcs.len()];
    for (i, f) in a.funcs.iter().enumerate() {
        if let (Stage::Weight | Stage::Calibrate, ReturnType::Type(_, ty)) = (f.stage, &f.ret) {
            fallible[i] = result_ok(ty).is_some();
        }
        if !matches!(f.stage, Stage::Setup | Stage::Produce) {
            continue;
        }
        let ReturnType::Type(_, ty) = &f.ret else {
            continue;
        };
        let (ty, is_result) = match result_ok(ty) {
            Some(ok) if f.stage == Stage::Setup => (ok, true),
            _ => (&**ty, false),
        };
        fallible[i] = is_result;
        let Some(key) = type_key(ty) else {
            errors.at(ty.span(), "a provided value must be a named type (a struct or alias), so other functions can take it by `&Type`");
            continue;
        };
        if let Some(&prev) = provided.get(&key.to_string()) {
            errors.at(
                ty.span(),
                format!("`{key}` is already provided by `{}`", a.funcs[prev].ident),
            );
        } else {
            provided.insert(key.to_string(), i);
        }
    }
    let mut collections: Vec<Type> = a
        .collections
        .iter()
        .map(|c| {
            let ident = &c.ident;
            syn::parse_quote!(#ident)
        })
        .collect();
    let mut resources: Vec<Type> = Vec::new();
    let local = local_types(a);
    let mut resolve = |pos: Option<usize>, stage: Option<Stage>, ty: &Type, errors: &mut Errors| {
        let types = Registry {
            collections: &mut collections,
            resources: &mut resources,
            local: &local,
        };
        let r = source(a, &provided, types, pos, stage, ty);
        r.map_err(|msg| errors.push(syn::Error::new_spanned(ty, msg)))
            .ok()
    };
    let func_args: Vec<Vec<Source>> = a
        .funcs
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.args
                .iter()
                .filter_map(|t| resolve(Some(i), Some(f.stage), t, errors))
                .collect()
        })
        .collect();
    let mut hist_args = Vec::new();
    for h in &a.hists {
        let mut args = Vec::new();
        for input in &h.value.inputs {
            match input {
                syn::Pat::Type(t) => args.extend(resolve(None, None, &t.ty, errors)),
                other => errors.at(
                    other.span(),
                    "annotate the argument's type, e.g. `|o: &Objects| ...`",
                ),
            }
        }
        hist_args.push(args);
    }

    let mut branches = Vec::new();
    for f in a.event.iter().flat_map(|e| &e.fields) {
        branches.push((f.branch.clone(), f.mc, f.when.as_ref().map(LitStr::value)));
    }

    let index_of = |name: &syn::Ident, stage: Stage| {
        a.funcs
            .iter()
            .position(|f| f.stage == stage && f.ident == *name)
    };
    let category_cuts = a
        .categories
        .iter()
        .map(|c| {
            c.cuts
                .iter()
                .filter_map(|n| index_of(n, Stage::Cut))
                .collect()
        })
        .collect();
    let subsample_cuts = a
        .subsamples
        .iter()
        .map(|s| {
            s.cuts
                .iter()
                .filter_map(|n| index_of(n, Stage::Cut))
                .collect()
        })
        .collect();
    let hist_categories = a
        .hists
        .iter()
        .map(|h| match &h.categories {
            None => (0..a.categories.len()).collect(),
            Some(names) => names
                .iter()
                .filter_map(|n| a.categories.iter().position(|c| c.ident == *n))
                .collect(),
        })
        .collect();
    let mut weight_variations = Vec::new();
    let mut shape_variations = Vec::new();
    let mut weights = Vec::new();
    for (i, f) in a.funcs.iter().enumerate() {
        match f.stage {
            Stage::Weight if applied(a, f) => {
                weights.push((i, weight_arity(f)));
                weight_variations.extend(shifts(i, f));
            }
            Stage::Calibrate => shape_variations.extend(shifts(i, f)),
            _ => {}
        }
    }
    let mut variations: Vec<String> = std::iter::once("nominal".to_string())
        .chain(weight_variations.iter().map(|s| s.label.clone()))
        .chain(shape_variations.iter().map(|s| s.label.clone()))
        .collect();
    variations.sort();
    variations.dedup();
    weight_variations.sort_by(|x, y| x.label.cmp(&y.label));
    let weight_index = |name: &syn::Ident| {
        a.funcs
            .iter()
            .position(|f| f.stage == Stage::Weight && f.ident == *name)
    };
    let mut samples = Vec::new();
    let category_weights = (0..a.categories.len())
        .map(|k| match &a.weights {
            None => weights.iter().map(|&(f, _)| (f, None)).collect(),
            Some(rules) => {
                let mut out = Vec::new();
                for r in rules {
                    let sample = match &r.target {
                        Target::Inclusive => None,
                        Target::Category(c) if *c == a.categories[k].ident => None,
                        Target::Category(_) => continue,
                        Target::Sample(s) => {
                            let s = s.value();
                            Some(samples.iter().position(|x| *x == s).unwrap_or_else(|| {
                                samples.push(s);
                                samples.len() - 1
                            }))
                        }
                    };
                    out.extend(
                        r.weights
                            .iter()
                            .filter_map(weight_index)
                            .map(|f| (f, sample)),
                    );
                }
                out
            }
        })
        .collect();
    let mut calibrated = BTreeMap::new();
    for (i, f) in a.funcs.iter().enumerate() {
        if f.stage != Stage::Calibrate {
            continue;
        }
        let targets: Vec<usize> = func_args[i]
            .iter()
            .filter_map(|s| match s {
                Source::CollectionMut(c) => Some(*c),
                _ => None,
            })
            .collect();
        match targets[..] {
            [c] => {
                calibrated.insert(i, c);
            }
            _ => errors.at(
                f.ident.span(),
                "a `#[calibrate]` function takes exactly one collection to correct, as `&mut [Collection]`",
            ),
        }
    }
    Plan {
        func_args,
        hist_args,
        fallible,
        branches,
        collections,
        resources,
        category_cuts,
        hist_categories,
        subsample_cuts,
        variations,
        weight_variations,
        shape_variations,
        category_weights,
        samples,
        weights,
        calibrated,
    }
}

/// `T` of a `Result<T, E>` type.
pub(crate) fn result_ok(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (last.ident == "Result", args.args.first()) {
        (true, Some(GenericArgument::Type(t))) => Some(t),
        _ => None,
    }
}

/// The types arguments bring in: collections and resources (added as first seen), and the
/// names of the module's own types (which are never resources).
struct Registry<'r> {
    collections: &'r mut Vec<Type>,
    resources: &'r mut Vec<Type>,
    local: &'r BTreeSet<String>,
}

/// The names of the structs, enums and type aliases declared in the module.
fn local_types(a: &Analysis) -> BTreeSet<String> {
    let items = a
        .module
        .content
        .as_ref()
        .map(|(_, i)| i.as_slice())
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Type(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// Where an argument of type `ty` comes from, for a function at `pos` in stage `stage`
/// (`None`: a histogram, which runs last).
fn source(
    a: &Analysis,
    provided: &BTreeMap<String, usize>,
    types: Registry<'_>,
    pos: Option<usize>,
    stage: Option<Stage>,
    ty: &Type,
) -> Result<Source, String> {
    let shown = ty.to_token_stream().to_string().replace("& ", "&");
    let calibrate = stage == Some(Stage::Calibrate);
    if type_key(ty).is_some_and(|k| k == "Shift") {
        return if calibrate {
            Ok(Source::Shift)
        } else {
            Err("only a `#[calibrate]` function takes the `Shift` it applies".into())
        };
    }
    let Type::Reference(r) = ty else {
        return Err(format!("take arguments by shared reference: `&{shown}`"));
    };
    if r.mutability.is_some() {
        let collection = match &*r.elem {
            Type::Slice(s) => register(types.collections, &s.elem),
            _ => None,
        };
        return match collection {
            Some(c) if calibrate => Ok(Source::CollectionMut(c)),
            _ if calibrate => Err(format!(
                "`{shown}`: a `#[calibrate]` corrects a collection, `&mut [Collection]`"
            )),
            _ => Err("arguments are shared references (`&T`), not `&mut T`".into()),
        };
    }
    let key = match &*r.elem {
        Type::Slice(s) => register(types.collections, &s.elem).map(Source::Collection),
        elem => type_key(elem).and_then(|k| {
            if a.event.as_ref().is_some_and(|e| e.ident == *k) {
                Some(Source::Event)
            } else if k == "Ctx" || k == "ChunkContext" {
                Some(Source::Ctx)
            } else if let Some(c) = a.configs.iter().position(|c| c.ident == *k) {
                Some(Source::Config(c))
            } else if let Some(&i) = provided.get(&k.to_string()) {
                Some(Source::Value(i))
            } else if types.local.contains(&k.to_string()) {
                None
            } else {
                Some(Source::Resource(register(types.resources, elem)?))
            }
        }),
    };
    let Some(src) = key else {
        return Err(format!(
            "`{shown}` is not something `#[processor]` can pass; {}",
            passable(a, provided)
        ));
    };
    if let Source::Value(i) = src {
        let from = &a.funcs[i];
        if pos.is_some_and(|p| i >= p) {
            return Err(format!(
                "`{}` is provided by `{}`, declared later; declare it before the functions that use it",
                type_key(&r.elem)
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                from.ident
            ));
        }
        if matches!(stage, Some(Stage::Skim | Stage::Calibrate)) && from.stage == Stage::Produce {
            return Err(format!(
                "a {} runs before producers; `{}` is not available yet",
                stage.map_or("", Stage::attr),
                from.ident
            ));
        }
    }
    let setup_value = matches!(src, Source::Value(i) if a.funcs[i].stage == Stage::Setup);
    if stage == Some(Stage::Setup)
        && !(setup_value || matches!(src, Source::Ctx | Source::Config(_) | Source::Resource(_)))
    {
        return Err("a `#[setup]` runs once per dataset, before any event: it takes `&Ctx`, `#[config]` sections and earlier `#[setup]` values".into());
    }
    Ok(src)
}

/// The index of type `elem` in `types` by spelling (added if new); `None` if it is not a
/// path. `T` of a `&[T]` argument is a collection and an undeclared `&T` a resource, local or
/// not: rustc checks the trait.
fn register(types: &mut Vec<Type>, elem: &Type) -> Option<usize> {
    let Type::Path(_) = elem else { return None };
    let key = |t: &Type| t.to_token_stream().to_string();
    let k = key(elem);
    Some(types.iter().position(|c| key(c) == k).unwrap_or_else(|| {
        types.push(elem.clone());
        types.len() - 1
    }))
}

fn passable(a: &Analysis, provided: &BTreeMap<String, usize>) -> String {
    let mut names: Vec<String> = a.event.iter().map(|e| format!("`&{}`", e.ident)).collect();
    names.extend(a.collections.iter().map(|c| format!("`&[{}]`", c.ident)));
    names.push("`&[T]` of any `T: Collection`".into());
    names.push("`&Ctx`".into());
    names.extend(a.configs.iter().map(|c| format!("`&{}`", c.ident)));
    names.extend(provided.keys().map(|k| format!("`&{k}`")));
    format!("expected one of {}", names.join(", "))
}
