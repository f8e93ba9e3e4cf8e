//! A processor written by hand on the public contract: events with two muons, the mass of
//! those of opposite charge. `tests/it/hand_written.rs` shows it equals the macro version.
//! Run: `cargo run --release --example hand_written -- dimuon --datasets DATASETS.json`
use pc_core::{hist::Axis, prelude::Ctx, run::*};

/// The spec and the ids it handed out: muon pt, eta, phi, charge; genWeight; the category;
/// the histogram.
pub struct Dimuon(ProcessorSpec, [BranchId; 4], BranchId, CategoryId, HistId);

impl Default for Dimuon {
    fn default() -> Dimuon {
        let mut b = ProcessorSpec::builder("dimuon", "Events");
        let muon = ["Muon_pt", "Muon_eta", "Muon_phi", "Muon_charge"].map(|n| b.branch(n));
        let gen_weight = b.mc_branch("genWeight");
        let (pair, axis) = (b.category("pair"), Axis::regular("mll", 60, 60.0, 120.0));
        let mll = b.histogram("mll", vec![axis.expect("a valid axis")]);
        let spec = b.build().expect("a valid spec");
        Dimuon(spec, muon, gen_weight, pair, mll)
    }
}

impl Processor for Dimuon {
    fn spec(&self) -> ProcessorSpec {
        self.0.clone()
    }

    fn process(&self, cols: &Columns, ctx: &Ctx, out: &mut ChunkOutput) -> ProcessResult {
        let &Dimuon(_, muon, gen_weight, pair, mll) = self;
        let [pt, eta, phi] = [0, 1, 2].map(|k| cols.jagged::<f32>(muon[k]));
        let (pt, eta, phi, charge) = (pt?, eta?, phi?, cols.jagged::<i32>(muon[3])?);
        let gw = cols.scalar_opt::<f32>(gen_weight)?;
        let scale = ctx.lumi_pb * ctx.dataset.xsec.unwrap_or(1.0);
        for i in 0..cols.entries() {
            let [q0, q1] = charge.get(i) else { continue };
            out.pass_skim();
            if q0 + q1 == 0 {
                out.pass_presel(ShapeId::NOMINAL)?;
                let w = gw.map_or(1.0, |g| f64::from(g[i]) * scale);
                let m = mass(pt.get(i), eta.get(i), phi.get(i));
                out.count(GroupId::FIRST, pair, ShapeId::NOMINAL, w)?;
                out.fill_nominal(GroupId::FIRST, mll, pair, m, w)?;
            }
        }
        Ok(())
    }
}

/// The invariant mass of two massless muons.
pub fn mass(pt: &[f32], eta: &[f32], phi: &[f32]) -> f64 {
    let d = |x: &[f32]| f64::from(x[0]) - f64::from(x[1]);
    (2.0 * f64::from(pt[0]) * f64::from(pt[1]) * (d(eta).cosh() - d(phi).cos())).sqrt()
}

fn main() -> std::process::ExitCode {
    static DIMUON: std::sync::LazyLock<Dimuon> = std::sync::LazyLock::new(Dimuon::default);
    pc_core::cli::main(&[pc_core::cli::Analysis::new(&*DIMUON)])
}
