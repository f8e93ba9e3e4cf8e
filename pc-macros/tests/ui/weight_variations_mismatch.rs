use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    use super::*;

    #[event]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    /// Declares three variations but returns two.
    #[weight(variations = [stat, syst, extra])]
    pub fn sf(ev: &Event) -> Multi<2> {
        let w = f64::from(ev.gen_weight);
        Multi { nominal: w, up: [w, w], down: [w, w] }
    }
}

fn main() {}
