use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        #[branch("PV_npvsGood")]
        pub npvs_good: i32,
    }

    #[cut]
    pub fn passthrough() -> bool {
        true
    }

    categories! {
        baseline = [passthrough];
    }

    histogram! {
        npvs: Regular(10, 0.0, 10.0, "npvs") = |ev: &Event| Some(ev.npvs_good as f64), in [baseline, signal];
    }
}

fn main() {}
