//! Drell-Yan Z/gamma* -> ll (ee, mumu, tautau) at generator level.

use super::physics::{
    M_E, M_MU, M_TAU, M_Z, P4, Truth, W_Z, cos_theta_vector, initial_state, two_body,
};
use super::rng::Rng;

/// Dilepton mass: a Breit-Wigner Z peak over a falling gamma*/Z continuum, M > 50 GeV.
pub(crate) fn dilepton_mass(rng: &mut Rng) -> f64 {
    if rng.chance(0.12) {
        // Continuum falling like M^-3 above 50 GeV.
        return rng.power_law(50.0, 3.0).min(3000.0);
    }
    loop {
        let m = rng.breit_wigner(M_Z, W_Z);
        if m > 50.0 && m < 500.0 {
            return m;
        }
    }
}

/// Boson pT: a soft Sudakov-like peak (~4 GeV) plus a power-law tail.
pub(crate) fn boson_pt(rng: &mut Rng) -> f64 {
    let soft = rng.gauss(0.0, 3.5).hypot(rng.gauss(0.0, 3.5));
    let hard = if rng.chance(0.55) {
        rng.power_law(6.0, 3.3) - 6.0
    } else {
        0.0
    };
    (soft + hard).min(1500.0)
}

/// One Drell-Yan event.
pub(crate) fn generate(rng: &mut Rng, t: &mut Truth) {
    t.clear();
    let m = dilepton_mass(rng);
    let pt = boson_pt(rng);
    let y = loop {
        let y = rng.gauss(0.0, 1.9);
        if y.abs() < 4.0 {
            break y;
        }
    };
    let z = P4::from_pt_y_phi_m(pt, y, rng.phi(), m);
    initial_state(t, rng, m, y, false);
    let zi = t.push_gen(&z, 23, 62, 0x2100 | 0x80, -1);
    let u = rng.uniform();
    let (flav, ml) = if u < 1.0 / 3.0 {
        (11, M_E)
    } else if u < 2.0 / 3.0 {
        (13, M_MU)
    } else {
        (15, M_TAU)
    };
    // Decay in the Z rest frame with 1 + cos^2(theta) about the boson direction.
    let (l1, l2) = two_body(&z, ml, ml, cos_theta_vector(rng), rng.phi());
    t.add_lepton(rng, &l1, flav, zi);
    t.add_lepton(rng, &l2, -flav, zi);
    // Hadronic recoil and extra radiation.
    t.add_recoil(rng, -z.px, -z.py);
    let n_isr = rng.poisson(0.35 + pt / 60.0);
    t.add_isr(rng, n_isr);
    t.lhe_vpt = pt;
    t.lhe_ht = t.partons.iter().map(|p| p.0.pt()).sum();
    t.lhe_njets = t.partons.len().min(4) as u8;
    t.lhe_nb = t.partons.iter().filter(|p| p.1 == 5).count() as u8;
}
