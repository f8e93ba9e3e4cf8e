use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
    }

    pub struct Dimuon {
        pub mass: f64,
    }

    #[skim]
    pub fn two_muons(muons: &[Muon], z: &Dimuon) -> bool {
        muons.len() == 2 && z.mass > 60.0
    }
}

fn main() {}
