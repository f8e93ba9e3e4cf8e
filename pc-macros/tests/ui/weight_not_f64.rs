use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    #[weight]
    pub fn generator(ev: &Event) -> f32 {
        ev.gen_weight
    }
}

fn main() {}
