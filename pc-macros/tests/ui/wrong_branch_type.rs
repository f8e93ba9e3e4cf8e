use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[collection(prefix = "Muon")]
    pub struct Muon {
        pub pt: f32,
        #[branch("tightId")]
        pub tight: f32,
    }
}

fn main() {}
