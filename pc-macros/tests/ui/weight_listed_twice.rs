use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }

    categories! {
        baseline = [passthrough];
    }

    #[weight]
    pub fn generator(ev: &Event) -> f64 {
        f64::from(ev.gen_weight)
    }

    weights! {
        inclusive = [generator];
        baseline = [generator];
    }
}

fn main() {}
