use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        #[branch("PV_npvsGood")]
        pub npvs_good: i32,
    }

    histogram! {
        npvs: Regular(10, 0.0, 10.0, "npvs") = |ev: &Event| Some(ev.npvs_good as f64);
        npvs: Regular(20, 0.0, 20.0, "npvs") = |ev: &Event| Some(ev.npvs_good as f64);
    }
}

fn main() {}
