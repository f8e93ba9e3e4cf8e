use pc_core::prelude::*;

#[processor(schema = "nanoaod_v7")]
mod analysis {
    #[collection(prefix = "Jet")]
    pub struct Jet {
        pub pt: f32,
    }

    #[calibrate(variations = [jes])]
    pub fn jes(jets: &[Jet], shift: Shift) {
        let _ = (jets, shift);
    }
}

fn main() {}
