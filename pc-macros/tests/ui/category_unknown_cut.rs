use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[cut]
    pub fn passthrough() -> bool {
        true
    }

    categories! {
        baseline = [passthru];
    }
}

fn main() {}
