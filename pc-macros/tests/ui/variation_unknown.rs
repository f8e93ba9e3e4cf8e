use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    use pc_core::prelude::*;

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
}

/// Code naming a variation goes through the generated `Variation` enum, so a variation no
/// weight or calibrator declares does not compile.
fn main() {
    let _ = analysis::Variation::pileupUp.label();
    let _ = analysis::Variation::sf_mu_idUp.label();
}
