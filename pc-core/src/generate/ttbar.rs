//! ttbar -> (W b)(W b) at generator level, with W -> l nu or q q'.

use super::physics::{M_B, M_TOP, M_W, P4, Truth, W_TOP, W_W, initial_state, two_body};
use super::rng::Rng;

fn bw_in(rng: &mut Rng, m: f64, w: f64, lo: f64, hi: f64) -> f64 {
    loop {
        let x = rng.breit_wigner(m, w);
        if x > lo && x < hi {
            return x;
        }
    }
}

/// One ttbar event.
pub(crate) fn generate(rng: &mut Rng, t: &mut Truth) {
    t.clear();
    let mt1 = bw_in(rng, M_TOP, W_TOP, 160.0, 185.0);
    let mt2 = bw_in(rng, M_TOP, W_TOP, 160.0, 185.0);
    // ttbar system: threshold + falling tail in mass, soft pT, central rapidity.
    let m_tt = mt1 + mt2 + 5.0 + rng.exp(130.0) + rng.exp(40.0);
    let pt_tt = rng.gauss(0.0, 18.0).hypot(rng.gauss(0.0, 18.0))
        + if rng.chance(0.3) {
            rng.power_law(20.0, 3.5) - 20.0
        } else {
            0.0
        };
    let y_tt = rng.gauss(0.0, 0.9);
    let tt = P4::from_pt_y_phi_m(pt_tt, y_tt, rng.phi(), m_tt);
    let gg = rng.chance(0.85);
    initial_state(t, rng, m_tt, y_tt, gg);
    let (top, atop) = two_body(&tt, mt1, mt2, rng.range(-1.0, 1.0), rng.phi());
    for (q, sign) in [(top, 1), (atop, -1)] {
        let ti = t.push_gen(&q, 6 * sign, 62, 0x2100, -1);
        let mw = bw_in(rng, M_W, W_W, 60.0, 100.0).min(q.mass() - M_B - 0.5);
        let (w, b) = two_body(&q, mw, M_B, rng.range(-1.0, 1.0), rng.phi());
        t.push_gen(&b, 5 * sign, 23, 0x2100, ti);
        t.partons.push((b, 5, 5 * sign));
        t.add_w_decay(rng, &w, sign, ti);
    }
    t.add_recoil(rng, -tt.px, -tt.py);
    let n_isr = rng.poisson(0.8);
    t.add_isr(rng, n_isr);
    t.lhe_ht = t.partons.iter().map(|p| p.0.pt()).sum();
    t.lhe_njets = (t.partons.len().saturating_sub(4)).min(4) as u8;
    t.lhe_nb = 2;
}
