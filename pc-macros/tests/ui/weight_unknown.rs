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
    pub fn pileup(ev: &Event) -> UpDown {
        UpDown::flat(f64::from(ev.gen_weight))
    }

    weights! {
        inclusive = [pilup];
    }
}

fn main() {}
