//! `#[derive(Collection)]`: a struct of `{prefix}_{field}` branches as a
//! `pc_core::run::Collection`, plus `Direction`/`Momentum` when it has the kinematics.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ItemStruct, Type};

use crate::model::{Errors, Field};
use crate::parse;

/// The derive's expansion (errors as `compile_error!`).
pub(crate) fn derive(item: TokenStream) -> TokenStream {
    let s: ItemStruct = match syn::parse2(item) {
        Ok(s) => s,
        Err(e) => {
            let msg = "`#[derive(Collection)]` applies to a struct with named fields";
            return syn::Error::new(e.span(), msg).into_compile_error();
        }
    };
    let mut errors = Errors::default();
    let prefix = match s.attrs.iter().find(|a| a.path().is_ident("collection")) {
        Some(attr) => parse::collection_prefix(attr)
            .map_err(|e| errors.push(e))
            .ok(),
        None => {
            errors.at(
                s.ident.span(),
                "a collection names its branch prefix: `#[collection(prefix = \"Muon\")]`",
            );
            None
        }
    };
    if !s.generics.params.is_empty() {
        errors.at(s.generics.span(), "a collection has no generic parameters");
    }
    let fields = parse::fields(&s.fields, prefix.as_deref(), &mut errors);
    if fields.is_empty() {
        errors.at(
            s.ident.span(),
            "a collection needs at least one field (a branch)",
        );
    }
    match (errors.into_result(), prefix) {
        (Ok(()), Some(prefix)) => emit(&s, &prefix, &fields),
        (Err(e), _) => e.into_compile_error(),
        (Ok(()), None) => unreachable!("a missing prefix is an error"),
    }
}

fn emit(s: &ItemStruct, prefix: &str, fields: &[Field]) -> TokenStream {
    let run = quote!(::pc_core::run);
    let ty = &s.ident;
    let branches = fields.iter().map(|f| {
        let (name, mc) = (&f.branch, f.mc);
        let when = match &f.when {
            Some(p) => quote!(::core::option::Option::Some(#p)),
            None => quote!(::core::option::Option::None),
        };
        quote!(#run::BranchReq { name: #name, mc_only: #mc, when: #when })
    });
    let column_types = fields.iter().map(|f| {
        let t = &f.ty;
        match f.optional() {
            true => quote!(::core::option::Option<#run::Jagged<'c, #t>>),
            false => quote!(#run::Jagged<'c, #t>),
        }
    });
    let bind = fields.iter().enumerate().map(|(k, f)| {
        let t = &f.ty;
        let read = quote_spanned!(t.span()=> __pc_columns.jagged::<#t>(__pc_id(#k))?);
        match f.optional() {
            true => quote! {
                if __pc_columns.has(__pc_id(#k)) { ::core::option::Option::Some(#read) }
                else { ::core::option::Option::None }
            },
            false => read,
        }
    });
    let ids = (0..fields.len()).map(|k| quote!(__pc_id(#k)));
    let counts =
        (fields.len() > 1).then(|| quote!(__pc_columns.check_counts(#prefix, &[#(#ids),*])?;));
    let values = fields.iter().enumerate().map(|(k, f)| {
        let (name, k) = (&f.ident, syn::Index::from(k));
        match f.optional() {
            true => quote!(#name: __pc_c.#k.map_or_else(::core::default::Default::default, |c| c.values[__pc_j])),
            false => quote!(#name: __pc_c.#k.values[__pc_j]),
        }
    });
    let range = match fields.iter().position(|f| !f.optional()) {
        Some(k) => {
            let k = syn::Index::from(k);
            quote!(__pc_c.#k.range(__pc_event))
        }
        None => quote!(__pc_c.0.map_or(0..0, |c| c.range(__pc_event))),
    };
    let kinematics = kinematics(ty, fields);
    quote! {
        #[automatically_derived]
        impl #run::Collection for #ty {
            const PREFIX: &'static str = #prefix;
            const BRANCHES: &'static [#run::BranchReq] = &[#(#branches),*];
            type Columns<'c> = (#(#column_types,)*);

            fn columns(
                __pc_columns: &#run::Columns,
                __pc_first: #run::BranchId,
            ) -> ::core::result::Result<Self::Columns<'_>, #run::ColumnError> {
                let __pc_id = |k: usize| #run::BranchId::new(__pc_first.index() + k);
                let __pc_c = (#(#bind,)*);
                #counts
                ::core::result::Result::Ok(__pc_c)
            }

            #[inline]
            fn fill(__pc_c: &Self::Columns<'_>, __pc_event: usize, __pc_out: &mut ::std::vec::Vec<Self>) {
                __pc_out.clear();
                __pc_out.extend(#range.map(|__pc_j| #ty { #(#values),* }));
            }
        }
        #kinematics
    }
}

/// `Direction` (and `Momentum`) for a collection with `f32` fields `eta`, `phi` (and `pt`,
/// `mass`).
fn kinematics(ty: &syn::Ident, fields: &[Field]) -> TokenStream {
    let lib = quote!(::pc_core::cms::kinematics);
    let has = |name: &str| {
        fields
            .iter()
            .any(|f| f.ident == name && matches!(&f.ty, Type::Path(p) if p.path.is_ident("f32")))
    };
    let mut out = TokenStream::new();
    if has("eta") && has("phi") {
        out.extend(quote! {
            #[automatically_derived]
            impl #lib::Direction for #ty {
                #[inline]
                fn eta(&self) -> f32 { self.eta }
                #[inline]
                fn phi(&self) -> f32 { self.phi }
            }
        });
        if has("pt") && has("mass") {
            out.extend(quote! {
                #[automatically_derived]
                impl #lib::Momentum for #ty {
                    #[inline]
                    fn pt(&self) -> f32 { self.pt }
                    #[inline]
                    fn mass(&self) -> f32 { self.mass }
                }
            });
        }
    }
    out
}
