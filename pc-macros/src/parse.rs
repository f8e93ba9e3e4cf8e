//! From tokens to the [`model`](crate::model): the attribute arguments, the module's
//! structs and functions, and the `categories!` and `histogram!` blocks.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, ExprClosure, FnArg, Ident, Item, ItemFn, ItemMod, ItemStruct, LitStr, Token,
    bracketed, parenthesized,
};

use crate::model::{
    Analysis, AxisSpec, Category, Config, Errors, Field, Func, Hist, Record, Stage, Subsample,
    Target, WeightRule,
};

mod kw {
    syn::custom_keyword!(label);
}

/// Parses `#[processor(name = "..", tree = "..", schema = "..")]` and its module.
pub(crate) fn analysis(
    attr: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> syn::Result<Analysis> {
    let mut module: ItemMod = syn::parse2(item)?;
    let (mut name, mut tree, mut schema) = (None, None, None);
    let parser = syn::meta::parser(|meta| {
        let slot = if meta.path.is_ident("name") {
            &mut name
        } else if meta.path.is_ident("tree") {
            &mut tree
        } else if meta.path.is_ident("schema") {
            &mut schema
        } else {
            return Err(
                meta.error("unknown `#[processor]` argument; expected `name`, `tree` or `schema`")
            );
        };
        *slot = Some(meta.value()?.parse::<LitStr>()?);
        Ok(())
    });
    syn::parse::Parser::parse2(parser, attr)?;
    let schema = schema.ok_or_else(|| {
        syn::Error::new(
            Span::call_site(),
            "missing the NanoAOD schema: `#[processor(schema = \"nanoaod_v7\")]`",
        )
    })?;
    let Some((_, items)) = module.content.take() else {
        return Err(syn::Error::new(
            module.span(),
            "`#[processor]` needs an inline module: `mod name { ... }`",
        ));
    };
    let mut a = Analysis {
        name: name.unwrap_or_else(|| LitStr::new(&module.ident.to_string(), module.ident.span())),
        tree: tree.unwrap_or_else(|| LitStr::new("Events", Span::call_site())),
        schema,
        module,
        event: None,
        collections: Vec::new(),
        configs: Vec::new(),
        funcs: Vec::new(),
        skim_cuts: Vec::new(),
        categories: Vec::new(),
        subsamples: Vec::new(),
        weights: None,
        hists: Vec::new(),
    };
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Struct(s) => kept.push(Item::Struct(record(s, &mut a, errors))),
            Item::Fn(f) => kept.push(Item::Fn(func(f, &mut a, errors))),
            Item::Macro(m) if m.mac.path.is_ident("categories") => {
                match m
                    .mac
                    .parse_body_with(Punctuated::<Categories, Token![;]>::parse_terminated)
                {
                    Ok(cats) => a.categories.extend(cats.into_iter().flat_map(|c| c.0)),
                    Err(e) => errors.push(e),
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("skim") => {
                match m
                    .mac
                    .parse_body_with(Punctuated::<syn::Type, Token![,]>::parse_terminated)
                {
                    Ok(cuts) => a.skim_cuts.extend(cuts),
                    Err(e) => errors.push(e),
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("subsamples") => {
                match m
                    .mac
                    .parse_body_with(Punctuated::<SampleSubsamples, Token![;]>::parse_terminated)
                {
                    Ok(subs) => a.subsamples.extend(subs.into_iter().flat_map(|s| s.0)),
                    Err(e) => errors.push(e),
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("weights") => {
                if a.weights.is_some() {
                    errors.at(m.mac.path.span(), "a second `weights!` block");
                }
                match m
                    .mac
                    .parse_body_with(Punctuated::<WeightRule, Token![;]>::parse_terminated)
                {
                    Ok(rules) => a.weights.get_or_insert_with(Vec::new).extend(rules),
                    Err(e) => errors.push(e),
                }
            }
            Item::Macro(m) if m.mac.path.is_ident("histogram") => {
                match m
                    .mac
                    .parse_body_with(Punctuated::<Hist, Token![;]>::parse_terminated)
                {
                    Ok(hists) => a.hists.extend(hists),
                    Err(e) => errors.push(e),
                }
            }
            other => kept.push(other),
        }
    }
    a.module.content = Some((Default::default(), kept));
    Ok(a)
}

/// Removes the attribute named `name` from `attrs`, returning it.
fn take_attr(attrs: &mut Vec<Attribute>, name: &str) -> Option<Attribute> {
    let i = attrs.iter().position(|a| a.path().is_ident(name))?;
    Some(attrs.remove(i))
}

/// Reads a `#[collection(prefix = "..")]`, `#[event]` or `#[config("..")]` struct
/// (others pass through).
fn record(mut s: ItemStruct, a: &mut Analysis, errors: &mut Errors) -> ItemStruct {
    if let Some(attr) = take_attr(&mut s.attrs, "config") {
        match attr.parse_args::<LitStr>() {
            Ok(section) => a.configs.push(Config {
                ident: s.ident.clone(),
                section,
            }),
            Err(e) => errors.push(syn::Error::new(
                e.span(),
                "expected the parameter section: `#[config(\"object_preselection\")]`",
            )),
        }
        return s;
    }
    let collection = s.attrs.iter().find(|a| a.path().is_ident("collection"));
    let prefix = if let Some(attr) = collection {
        match collection_prefix(attr) {
            Ok(p) => Some(p),
            Err(e) => return fail(s, errors, e),
        }
    } else if let Some(attr) = take_attr(&mut s.attrs, "event") {
        if let Err(e) = attr.meta.require_path_only() {
            return fail(s, errors, e);
        }
        if let Some(prev) = &a.event {
            errors.at(
                s.ident.span(),
                format!("a second `#[event]` struct (the first is `{}`)", prev.ident),
            );
        }
        None
    } else {
        return s;
    };
    let rec = Record {
        ident: s.ident.clone(),
        prefix: prefix.clone(),
        fields: fields(&s.fields, prefix.as_deref(), errors),
    };
    if prefix.is_some() {
        // The derive reads the same attributes and implements `Collection`.
        // (first, so its helper attributes come after it)
        s.attrs
            .insert(0, syn::parse_quote!(#[derive(::pc_core::run::Collection)]));
        a.collections.push(rec);
    } else {
        for f in &mut s.fields {
            f.attrs.retain(|a| {
                !["mc", "when", "branch"]
                    .iter()
                    .any(|n| a.path().is_ident(n))
            });
        }
        if a.event.is_none() {
            a.event = Some(rec);
        }
    }
    s
}

/// The prefix of `#[collection(prefix = "Muon")]`.
pub(crate) fn collection_prefix(attr: &Attribute) -> syn::Result<String> {
    let mut prefix = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("prefix") {
            prefix = Some(meta.value()?.parse::<LitStr>()?.value());
            Ok(())
        } else {
            Err(meta.error("expected `prefix = \"Muon\"`"))
        }
    })?;
    prefix
        .ok_or_else(|| syn::Error::new(attr.span(), "expected `#[collection(prefix = \"Muon\")]`"))
}

/// The fields of a record and their branches (`{prefix}_{field}`, or `#[branch("..")]`),
/// with `#[mc]` and `#[when("param")]`; the attributes stay in place.
pub(crate) fn fields(
    fields: &syn::Fields,
    prefix: Option<&str>,
    errors: &mut Errors,
) -> Vec<Field> {
    let find =
        |attrs: &[Attribute], name: &str| attrs.iter().find(|a| a.path().is_ident(name)).cloned();
    let mut out = Vec::new();
    for f in fields {
        let Some(ident) = f.ident.clone() else {
            errors.at(f.span(), "record fields need names (they map to branches)");
            continue;
        };
        let mc = find(&f.attrs, "mc").is_some();
        let when = match find(&f.attrs, "when").map(|a| a.parse_args::<LitStr>()) {
            Some(Ok(lit)) => Some(lit),
            Some(Err(e)) => {
                errors.push(e);
                None
            }
            None => None,
        };
        let (name, span) = match find(&f.attrs, "branch") {
            Some(attr) => match attr.parse_args::<LitStr>() {
                Ok(lit) => (lit.value(), lit.span()),
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            },
            None => (ident.to_string(), ident.span()),
        };
        let branch = match prefix {
            Some(p) => format!("{p}_{name}"),
            None => name,
        };
        out.push(Field {
            ident,
            ty: f.ty.clone(),
            branch,
            branch_span: span,
            mc,
            when,
        });
    }
    out
}

fn fail<T>(item: T, errors: &mut Errors, e: syn::Error) -> T {
    errors.push(e);
    item
}

/// Reads a function with a stage attribute (others pass through).
fn func(mut f: ItemFn, a: &mut Analysis, errors: &mut Errors) -> ItemFn {
    let found: Vec<(usize, Stage)> = f
        .attrs
        .iter()
        .enumerate()
        .filter_map(|(i, attr)| Some((i, Stage::from_attr(&attr.path().get_ident()?.to_string())?)))
        .collect();
    let Some(&(i, stage)) = found.first() else {
        return f;
    };
    let attr = f.attrs.remove(i);
    if let Some(&(_, second)) = found.get(1) {
        errors.at(
            f.sig.ident.span(),
            format!(
                "a function has one stage; found `{}` and `{}`",
                stage.attr(),
                second.attr()
            ),
        );
    }
    let mut variations = Vec::new();
    if !matches!(attr.meta, syn::Meta::Path(_)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("variations") && matches!(stage, Stage::Weight | Stage::Calibrate)
            {
                variations = bracketed_idents(meta.value()?)?;
                if variations.is_empty() {
                    return Err(
                        meta.error("list at least one variation: `variations = [name, ..]`")
                    );
                }
                Ok(())
            } else if matches!(stage, Stage::Weight | Stage::Calibrate) {
                Err(meta.error(format!(
                    "expected `{}` or `{}(variations = [name, ..])]`",
                    stage.attr(),
                    &stage.attr()[..stage.attr().len() - 1]
                )))
            } else {
                Err(meta.error(format!("{} takes no arguments", stage.attr())))
            }
        });
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    let mut args = Vec::new();
    for arg in &f.sig.inputs {
        match arg {
            FnArg::Typed(t) => args.push((*t.ty).clone()),
            FnArg::Receiver(r) => errors.at(
                r.span(),
                format!("a {} function takes no `self`", stage.attr()),
            ),
        }
    }
    a.funcs.push(Func {
        stage,
        ident: f.sig.ident.clone(),
        args,
        ret: f.sig.output.clone(),
        variations,
    });
    f
}

/// One entry of `categories!`: `name = [cut, ..]`, or a cartesian product
/// `[a, b] * [c, d] * ..`, which makes the categories `a_c`, `a_d`, `b_c`, `b_d` (each the
/// AND of its cuts), like PocketCoffea's `CartesianSelection`.
struct Categories(Vec<Category>);

impl Parse for Categories {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if !input.peek(syn::token::Bracket) {
            return Ok(Categories(vec![input.parse()?]));
        }
        let mut product: Vec<Vec<Ident>> = vec![Vec::new()];
        loop {
            let axis = bracketed_idents(input)?;
            product = product
                .into_iter()
                .flat_map(|prefix| {
                    axis.iter().map(move |cut| {
                        let mut p = prefix.clone();
                        p.push(cut.clone());
                        p
                    })
                })
                .collect();
            if !input.peek(Token![*]) {
                break;
            }
            input.parse::<Token![*]>()?;
        }
        Ok(Categories(
            product
                .into_iter()
                .map(|cuts| {
                    let name = cuts
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("_");
                    Category {
                        ident: Ident::new(&name, cuts[0].span()),
                        cuts,
                    }
                })
                .collect(),
        ))
    }
}

fn bracketed_idents(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    bracketed!(content in input);
    Ok(Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect())
}

/// `"Sample" = { name = [cut, ..]; .. }` in `subsamples!`.
struct SampleSubsamples(Vec<Subsample>);

impl Parse for SampleSubsamples {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let sample: LitStr = input.parse()?;
        input.parse::<Token![=]>()?;
        let content;
        syn::braced!(content in input);
        let subs = Punctuated::<Category, Token![;]>::parse_terminated(&content)?;
        Ok(SampleSubsamples(
            subs.into_iter()
                .map(|c| Subsample {
                    sample: sample.clone(),
                    ident: c.ident,
                    cuts: c.cuts,
                })
                .collect(),
        ))
    }
}

impl Parse for Category {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let cuts = bracketed_idents(input)?;
        Ok(Category { ident, cuts })
    }
}

impl Parse for WeightRule {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let target = if input.peek(LitStr) {
            Target::Sample(input.parse()?)
        } else {
            let ident: Ident = input.parse()?;
            if ident == "inclusive" {
                Target::Inclusive
            } else {
                Target::Category(ident)
            }
        };
        input.parse::<Token![=]>()?;
        let weights = bracketed_idents(input)?;
        Ok(WeightRule { target, weights })
    }
}

impl Parse for Hist {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        input.call(Attribute::parse_outer)?;
        let ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let axes = if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            Punctuated::<AxisSpec, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect()
        } else {
            vec![input.parse()?]
        };
        input.parse::<Token![=]>()?;
        let value: ExprClosure = input.parse()?;
        let categories = if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![in]>()?;
            Some(bracketed_idents(input)?)
        } else {
            None
        };
        Ok(Hist {
            ident,
            axes,
            value,
            categories,
        })
    }
}

impl Parse for AxisSpec {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let kind: Ident = input.parse()?;
        let positional = match kind.to_string().as_str() {
            "Regular" => 3,
            "Variable" => 1,
            "Integer" => 2,
            "StrCategory" => 1,
            _ => {
                return Err(syn::Error::new(
                    kind.span(),
                    "unknown axis; expected `Regular(bins, lo, hi, \"name\")`, `Variable([edges], \"name\")`, `Integer(lo, hi, \"name\")` or `StrCategory([\"a\", ..], \"name\")`",
                ));
            }
        };
        let content;
        let paren = parenthesized!(content in input);
        let mut args = Vec::new();
        for _ in 0..positional {
            args.push(content.parse::<Expr>()?);
            content.parse::<Token![,]>()?;
        }
        let name: LitStr = content.parse()?;
        let mut label = None;
        if content.peek(Token![,]) && content.peek2(kw::label) {
            content.parse::<Token![,]>()?;
            content.parse::<kw::label>()?;
            content.parse::<Token![=]>()?;
            label = Some(content.parse()?);
        }
        content.parse::<Option<Token![,]>>()?;
        if !content.is_empty() {
            return Err(syn::Error::new(
                paren.span.join(),
                format!(
                    "`{kind}` takes {positional} values, the axis name, and optionally `label = \"..\"`"
                ),
            ));
        }
        Ok(AxisSpec {
            kind,
            args,
            name,
            label,
        })
    }
}
