use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    /// A resource, not a cut: `skim![..]` lists `EventCut`s only.
    skim![pc_core::cms::GoodPv<1>, pc_core::cms::PileupWeight];

    #[cut]
    pub fn all() -> bool {
        true
    }

    categories! {
        baseline = [all];
    }
}

fn main() {}
