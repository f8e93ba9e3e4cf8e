use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[event]
    pub struct Event {
        #[branch("PV_npvsGood")]
        pub npvs_good: i32,
    }

    #[cut]
    pub fn has_vertex(ev: &Event) -> i32 {
        ev.npvs_good
    }

    categories! {
        baseline = [has_vertex];
    }
}

fn main() {}
