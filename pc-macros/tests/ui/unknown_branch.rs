use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
        #[branch("pfRelIso04_al")]
        pub iso: f32,
    }
}

fn main() {}
