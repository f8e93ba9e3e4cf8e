use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    /// Not a collection: no `#[derive(Collection)]`.
    pub struct Dimuon {
        pub mass: f64,
    }

    #[skim]
    pub fn one_pair(pairs: &[Dimuon]) -> bool {
        pairs.len() == 1
    }
}

fn main() {}
