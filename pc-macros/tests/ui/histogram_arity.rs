use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
        pub eta: f32,
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }

    categories! {
        baseline = [passthrough];
    }

    histogram! {
        pt_eta: (Regular(10, 0.0, 100.0, "pt"), Regular(10, -2.5, 2.5, "eta")) =
            |m: &[Muon]| m.first().map(|m| m.pt);
    }
}

fn main() {}
