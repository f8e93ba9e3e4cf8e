use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    use std::time::Duration;

    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
    }

    /// `Duration` is not declared here, so it must be a `Resource`: it is not.
    #[skim]
    pub fn slow(muons: &[Muon], d: &Duration) -> bool {
        muons.len() as u64 > d.as_secs()
    }
}

fn main() {}
