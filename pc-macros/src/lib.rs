//! Procedural macros of the `pc` framework: the `#[processor]` attribute.
//!
//! Thin by design: `parse` (module items into the `model`), `schema` and `check` (names,
//! branches, cross references), `lower` (arguments to values, branch indices), `emit`
//! (`quote!` only).

mod check;
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
