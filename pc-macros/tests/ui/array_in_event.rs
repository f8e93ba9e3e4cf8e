use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        pub run: u32,
        #[branch("Muon_pt")]
        pub muon_pt: f32,
    }

    #[collection(prefix = "Jet")]
    pub struct Jet {
        #[branch("nJet")]
        pub n: u32,
    }
}

fn main() {}
