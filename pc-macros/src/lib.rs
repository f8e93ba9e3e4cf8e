//! Procedural macros of the `pc` framework: the `#[processor]` attribute.
//!
//! Thin by design: `parse` (module items into the `model`), `schema` and `check` (names,
//! branches, cross references), `lower` (arguments to values, branch indices), `emit`
//! (`quote!` only).

mod check;
mod collection;
mod emit;
mod lower;
mod model;
mod parse;
mod schema;

#[doc = include_str!("../README.md")]
#[proc_macro_attribute]
pub fn processor(
    attr: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    emit::expand(attr.into(), item.into()).into()
}

/// Implements `pc_core::run::Collection` for a struct of NanoAOD branches
/// `{prefix}_{field}` (field attributes: `#[branch("name")]`, `#[mc]`, `#[when("param")]`),
/// and `Direction`/`Momentum` if it has `f32` `eta`, `phi` (`pt`, `mass`).
#[proc_macro_derive(Collection, attributes(collection, branch, mc, when))]
pub fn derive_collection(item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    collection::derive(item.into()).into()
}
