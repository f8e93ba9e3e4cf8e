//! Reading NanoAOD columns with `pc_core::io`, without the DSL: the leading muon's pT
//! of every event, chunk by chunk along the file's clusters.
//!
//! `cargo run --release --example read_columns -- FILE.root`

use pc_core::io::{Layout, ReadOptions, RootFile, Values};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: read_columns FILE.root"))?;
    let tree = RootFile::open(&path)?.tree("Events")?;
    let clusters = tree.clusters();
    let (mut events, mut with_muon, mut sum_pt) = (0u64, 0u64, 0f64);
    for w in clusters.windows(2) {
        let columns = tree.read(&["Muon_pt"], w[0]..w[1], ReadOptions { parallel: true })?;
        let (Values::F32(pt), Layout::Jagged(offsets)) = (&columns[0].values, &columns[0].layout)
        else {
            anyhow::bail!("Muon_pt is not a counted Float_t array in {path}");
        };
        for e in offsets.windows(2) {
            events += 1;
            if e[1] > e[0] {
                with_muon += 1;
                sum_pt += f64::from(pt[e[0] as usize]);
            }
        }
    }
    println!(
        "{path}: {events} events, {with_muon} with a muon, mean leading-muon pT {:.2} GeV",
        sum_pt / with_muon.max(1) as f64
    );
    Ok(())
}
