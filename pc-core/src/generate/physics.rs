//! Kinematics (four-vectors, two-body decays) and the physics objects of one cluster.

use super::rng::{Rng, fast_atan2, fast_sincos};

pub(crate) const M_Z: f64 = 91.1876;
pub(crate) const W_Z: f64 = 2.4952;
pub(crate) const M_W: f64 = 80.379;
pub(crate) const W_W: f64 = 2.085;
pub(crate) const M_TOP: f64 = 172.5;
pub(crate) const W_TOP: f64 = 1.42;
pub(crate) const M_MU: f64 = 0.105_658;
pub(crate) const M_E: f64 = 0.000_511;
pub(crate) const M_TAU: f64 = 1.776_86;
pub(crate) const M_B: f64 = 4.8;

/// A Lorentz vector (px, py, pz, E) in GeV.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct P4 {
    pub px: f64,
    pub py: f64,
    pub pz: f64,
    pub e: f64,
}

impl P4 {
    pub(crate) fn from_pt_eta_phi_m(pt: f64, eta: f64, phi: f64, m: f64) -> P4 {
        let (s, c) = fast_sincos(phi);
        let (px, py, pz) = (pt * c, pt * s, pt * eta.sinh());
        P4 {
            px,
            py,
            pz,
            e: (px * px + py * py + pz * pz + m * m).sqrt(),
        }
    }

    /// From transverse momentum, rapidity, azimuth and mass.
    pub(crate) fn from_pt_y_phi_m(pt: f64, y: f64, phi: f64, m: f64) -> P4 {
        let mt = (m * m + pt * pt).sqrt();
        let (s, c) = fast_sincos(phi);
        P4 {
            px: pt * c,
            py: pt * s,
            pz: mt * y.sinh(),
            e: mt * y.cosh(),
        }
    }

    pub(crate) fn pt(&self) -> f64 {
        (self.px * self.px + self.py * self.py).sqrt()
    }

    pub(crate) fn p(&self) -> f64 {
        (self.px * self.px + self.py * self.py + self.pz * self.pz).sqrt()
    }

    pub(crate) fn eta(&self) -> f64 {
        let pt = self.pt();
        if pt < 1e-9 {
            return if self.pz >= 0.0 { 1e4 } else { -1e4 };
        }
        let x = self.pz / pt;
        // asinh via the fast log (odd function: evaluate on |x| for precision)
        let a = super::rng::fast_ln(x.abs() + (x * x + 1.0).sqrt());
        if x < 0.0 { -a } else { a }
    }

    pub(crate) fn phi(&self) -> f64 {
        fast_atan2(self.py, self.px)
    }

    pub(crate) fn mass(&self) -> f64 {
        let m2 = self.e * self.e - self.p().powi(2);
        if m2 > 0.0 { m2.sqrt() } else { 0.0 }
    }

    #[cfg(test)]
    pub(crate) fn add(&self, o: &P4) -> P4 {
        P4 {
            px: self.px + o.px,
            py: self.py + o.py,
            pz: self.pz + o.pz,
            e: self.e + o.e,
        }
    }

    pub(crate) fn scale(&self, f: f64) -> P4 {
        P4 {
            px: self.px * f,
            py: self.py * f,
            pz: self.pz * f,
            e: self.e * f,
        }
    }

    /// Boosts this vector (given in the rest frame of `parent`) into the frame where `parent` moves.
    pub(crate) fn boost_from_rest_of(&self, parent: &P4) -> P4 {
        let (bx, by, bz) = (
            parent.px / parent.e,
            parent.py / parent.e,
            parent.pz / parent.e,
        );
        let b2 = bx * bx + by * by + bz * bz;
        if b2 < 1e-16 {
            return *self;
        }
        let gamma = 1.0 / (1.0 - b2).max(1e-12).sqrt();
        let bp = bx * self.px + by * self.py + bz * self.pz;
        let g2 = (gamma - 1.0) / b2;
        let f = g2 * bp + gamma * self.e;
        P4 {
            px: self.px + f * bx,
            py: self.py + f * by,
            pz: self.pz + f * bz,
            e: gamma * (self.e + bp),
        }
    }
}

/// Two-body decay of `parent` into masses `m1`, `m2`; `cos_theta` is drawn in the
/// parent rest frame (relative to the parent's flight direction if it moves).
pub(crate) fn two_body(parent: &P4, m1: f64, m2: f64, cos_theta: f64, phi: f64) -> (P4, P4) {
    let m = parent.mass().max(m1 + m2 + 1e-6);
    let p = ((m * m - (m1 + m2).powi(2)) * (m * m - (m1 - m2).powi(2)))
        .max(0.0)
        .sqrt()
        / (2.0 * m);
    let sin_t = (1.0 - cos_theta * cos_theta).max(0.0).sqrt();
    // Axis: the parent's flight direction (or z if at rest).
    let pp = parent.p();
    let (ax, ay, az) = if pp > 1e-9 {
        (parent.px / pp, parent.py / pp, parent.pz / pp)
    } else {
        (0.0, 0.0, 1.0)
    };
    // Orthonormal basis (u, v, a).
    let (ux, uy, uz) = if az.abs() < 0.9 {
        let n = (ax * ax + ay * ay).sqrt();
        (-ay / n, ax / n, 0.0)
    } else {
        let n = (ay * ay + az * az).sqrt();
        (0.0, -az / n, ay / n)
    };
    let (vx, vy, vz) = (ay * uz - az * uy, az * ux - ax * uz, ax * uy - ay * ux);
    let (sp, cp) = fast_sincos(phi);
    let (c, s) = (cp * sin_t, sp * sin_t);
    let dx = c * ux + s * vx + cos_theta * ax;
    let dy = c * uy + s * vy + cos_theta * ay;
    let dz = c * uz + s * vz + cos_theta * az;
    let d1 = P4 {
        px: p * dx,
        py: p * dy,
        pz: p * dz,
        e: (p * p + m1 * m1).sqrt(),
    };
    let d2 = P4 {
        px: -p * dx,
        py: -p * dy,
        pz: -p * dz,
        e: (p * p + m2 * m2).sqrt(),
    };
    (d1.boost_from_rest_of(parent), d2.boost_from_rest_of(parent))
}

/// `cos(theta)` distributed like `1 + cos^2(theta)` (spin-1 to two fermions).
pub(crate) fn cos_theta_vector(rng: &mut Rng) -> f64 {
    loop {
        let c = rng.range(-1.0, 1.0);
        if rng.uniform() * 2.0 < 1.0 + c * c {
            return c;
        }
    }
}

/// Wraps an angle into [-pi, pi).
#[inline]
pub(crate) fn wrap_phi(phi: f64) -> f64 {
    use std::f64::consts::PI;
    let tau = std::f64::consts::TAU;
    // Fast path (no fmod) for the usual case of an angle within one turn of the range.
    if phi.abs() < tau {
        return if phi >= PI {
            phi - tau
        } else if phi < -PI {
            phi + tau
        } else {
            phi
        };
    }
    let mut p = phi % tau;
    if p >= std::f64::consts::PI {
        p -= tau;
    } else if p < -std::f64::consts::PI {
        p += tau;
    }
    p
}

/// NanoAOD-style reduced float precision: keep `bits` mantissa bits (rounded).
#[inline]
pub(crate) fn round_bits(x: f32, bits: u32) -> f32 {
    if bits >= 23 {
        return x;
    }
    let shift = 23 - bits;
    let u = x.to_bits();
    let r = u.wrapping_add(1 << (shift - 1)) & !((1u32 << shift) - 1);
    // Infinities and NaNs (all exponent bits set) are kept as they are; a select rather
    // than a branch, so that loops over many values vectorise.
    let finite = u & 0x7f80_0000 != 0x7f80_0000;
    f32::from_bits(if finite { r } else { u })
}

/// [`round_bits`] applied to every value (a loop the compiler vectorises).
pub(crate) fn round_all_bits(values: &mut [f32], bits: u32) {
    if bits < 23 {
        for x in values {
            *x = round_bits(*x, bits);
        }
    }
}

/// Generator-level truth of one event, before detector simulation.
#[derive(Debug, Default)]
pub(crate) struct Truth {
    /// The pruned GenPart record.
    pub genparts: Vec<GenPart>,
    /// Visible final-state leptons: (momentum, pdgId, genPartFlav, genPart index).
    pub leptons: Vec<(P4, i32, u8, i32)>,
    /// Partons that make jets: (momentum, hadronFlavour, partonFlavour).
    pub partons: Vec<(P4, u8, i32)>,
    /// Visible hadronic taus: (momentum, charge, genPart index).
    pub tau_had: Vec<(P4, i32, i32)>,
    /// Sum of neutrino transverse momenta.
    pub nu: (f64, f64),
    /// Initial state: x1, x2, id1, id2, scale.
    pub x1: f64,
    pub x2: f64,
    pub id1: i32,
    pub id2: i32,
    pub scale: f64,
    /// LHE-level HT and V pT.
    pub lhe_ht: f64,
    pub lhe_vpt: f64,
    pub lhe_njets: u8,
    pub lhe_nb: u8,
}

impl Truth {
    /// Empties the record for the next event (keeps the allocations).
    pub(crate) fn clear(&mut self) {
        self.genparts.clear();
        self.leptons.clear();
        self.partons.clear();
        self.tau_had.clear();
        self.nu = (0.0, 0.0);
        self.x1 = 0.0;
        self.x2 = 0.0;
        self.id1 = 0;
        self.id2 = 0;
        self.scale = 0.0;
        self.lhe_ht = 0.0;
        self.lhe_vpt = 0.0;
        self.lhe_njets = 0;
        self.lhe_nb = 0;
    }

    /// Appends a GenPart and returns its index.
    pub(crate) fn push_gen(
        &mut self,
        p: &P4,
        pdg: i32,
        status: i32,
        flags: i32,
        mother: i32,
    ) -> i32 {
        let m = match pdg.abs() {
            11 => M_E as f32,
            13 => M_MU as f32,
            12 | 14 | 16 | 21 | 22 => 0.0,
            _ => p.mass() as f32,
        };
        self.genparts.push(GenPart {
            pt: p.pt() as f32,
            eta: p.eta() as f32,
            phi: p.phi() as f32,
            mass: m,
            pdg,
            status,
            flags,
            mother,
        });
        (self.genparts.len() - 1) as i32
    }

    pub(crate) fn add_nu(&mut self, p: &P4) {
        self.nu.0 += p.px;
        self.nu.1 += p.py;
    }

    /// Decays a lepton `l` of flavour `pdg` (11, 13, 15 with sign) coming from a boson with
    /// GenPart index `mother`: taus decay leptonically (35%) or hadronically.
    pub(crate) fn add_lepton(&mut self, rng: &mut Rng, l: &P4, pdg: i32, mother: i32) {
        let prompt_flags = 0x2101; // isPrompt | fromHardProcess | isLastCopy
        if pdg.abs() != 15 {
            let idx = self.push_gen(l, pdg, 1, prompt_flags, mother);
            self.leptons.push((*l, pdg, 1, idx));
            return;
        }
        let tidx = self.push_gen(l, pdg, 2, prompt_flags, mother);
        let sign = pdg.signum();
        let u = rng.uniform();
        if u < 0.35 {
            // tau -> l nu nu: the visible lepton takes a fraction of the momentum.
            let (lp, m) = if u < 0.175 { (11, M_E) } else { (13, M_MU) };
            let x = rng.uniform().sqrt() * 0.9 + 0.05;
            let mut vis = l.scale(x);
            vis.e = (vis.p().powi(2) + m * m).sqrt();
            let nu = l.scale(1.0 - x);
            self.add_nu(&nu);
            let idx = self.push_gen(&vis, lp * sign, 1, 0x2000 | 0x4 | 0x1, tidx);
            self.leptons.push((vis, lp * sign, 15, idx));
        } else {
            let x = rng.range(0.3, 0.95);
            let vis = l.scale(x);
            let nu = l.scale(1.0 - x);
            self.add_nu(&nu);
            self.tau_had.push((vis, -sign, tidx));
        }
    }

    /// Adds a W decay (W -> l nu with BR 3 x 10.8%, else two light/charm quarks).
    pub(crate) fn add_w_decay(&mut self, rng: &mut Rng, w: &P4, charge: i32, mother: i32) {
        let widx = self.push_gen(w, 24 * charge, 62, 0x2100, mother);
        let u = rng.uniform();
        if u < 0.324 {
            let lf = [11, 13, 15][(u / 0.108).min(2.0) as usize];
            let ml = match lf {
                11 => M_E,
                13 => M_MU,
                _ => M_TAU,
            };
            let (l, nu) = two_body(w, ml, 0.0, rng.range(-1.0, 1.0), rng.phi());
            self.add_nu(&nu);
            self.push_gen(&nu, (lf + 1) * charge, 1, 0x2101, widx);
            // W+ -> l+ nu: the charged lepton has pdgId -lf.
            self.add_lepton(rng, &l, -lf * charge, widx);
        } else {
            let (q1, q2) = two_body(w, 0.0, 0.0, rng.range(-1.0, 1.0), rng.phi());
            let cs = rng.chance(0.5);
            let (f1, f2) = if cs { (4, 3) } else { (2, 1) };
            self.push_gen(&q1, f1 * charge, 23, 0x2100, widx);
            self.push_gen(&q2, -f2 * charge, 23, 0x2100, widx);
            self.partons.push((q1, if cs { 4 } else { 0 }, f1 * charge));
            self.partons.push((q2, 0, -f2 * charge));
        }
    }

    /// Initial-state radiation: `n` partons with a falling pT spectrum.
    pub(crate) fn add_isr(&mut self, rng: &mut Rng, n: u32) {
        for _ in 0..n {
            let pt = rng.power_law(12.0, 3.2).min(2000.0);
            let eta = rng.gauss(0.0, 2.2);
            let p = P4::from_pt_eta_phi_m(pt, eta, rng.phi(), 0.0);
            let r = rng.uniform();
            let (h, f) = if r < 0.015 {
                (5, 5)
            } else if r < 0.06 {
                (4, 4)
            } else if r < 0.6 {
                (0, 21)
            } else {
                (0, 1 + rng.below(3) as i32)
            };
            self.partons.push((p, h, f));
        }
    }

    /// A parton-level recoil jet balancing a boson of transverse momentum `(px, py)`.
    pub(crate) fn add_recoil(&mut self, rng: &mut Rng, px: f64, py: f64) {
        let pt = (px * px + py * py).sqrt();
        if pt < 8.0 {
            return;
        }
        let phi = wrap_phi(fast_atan2(py, px) + std::f64::consts::PI + rng.gauss(0.0, 0.15));
        let p = P4::from_pt_eta_phi_m(
            pt * rng.gauss(1.0, 0.1).max(0.3),
            rng.gauss(0.0, 2.0),
            phi,
            0.0,
        );
        let (h, f) = if rng.chance(0.04) {
            (5, 5)
        } else if rng.chance(0.08) {
            (4, 4)
        } else {
            (0, 21)
        };
        self.partons.push((p, h, f));
    }
}

/// Builds an x1/x2/id pair consistent with a produced system of mass `m` and rapidity `y`.
pub(crate) fn initial_state(truth: &mut Truth, rng: &mut Rng, m: f64, y: f64, gg: bool) {
    let tau = m / 13000.0;
    truth.x1 = (tau * y.exp()).min(1.0);
    truth.x2 = (tau * (-y).exp()).min(1.0);
    let q = 1 + rng.below(4) as i32;
    if gg || rng.chance(0.15) {
        truth.id1 = 21;
        truth.id2 = if gg { 21 } else { q };
    } else {
        truth.id1 = q;
        truth.id2 = -q;
    }
    if rng.chance(0.5) {
        std::mem::swap(&mut truth.id1, &mut truth.id2);
    }
    truth.scale = m;
}

/// One GenPart entry.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GenPart {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub pdg: i32,
    pub status: i32,
    pub flags: i32,
    pub mother: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Muon {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub charge: i32,
    pub iso: f32,
    pub dxy: f32,
    pub dz: f32,
    pub res: f32,
    pub tight: bool,
    pub medium: bool,
    pub flav: u8,
    pub gen_idx: i32,
    pub jet_idx: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Electron {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub charge: i32,
    pub iso: f32,
    pub dxy: f32,
    pub dz: f32,
    pub res: f32,
    pub mva: f32,
    pub cut_based: i32,
    pub deta_sc: f32,
    pub flav: u8,
    pub gen_idx: i32,
    pub jet_idx: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tau {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub charge: i32,
    pub decay_mode: i32,
    pub vs_jet: f32,
    pub flav: u8,
    pub gen_idx: i32,
    pub jet_idx: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Photon {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub iso: f32,
    pub mva: f32,
    pub flav: u8,
    pub jet_idx: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Jet {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub raw_factor: f32,
    pub area: f32,
    pub btag: f32,
    pub hflav: i32,
    pub pflav: i32,
    pub gen_idx: i32,
    pub jet_id: i32,
    pub pu_id: i32,
    pub ch_em: f32,
    pub ne_em: f32,
    pub ch_had: f32,
    pub ne_had: f32,
    pub mu_ef: f32,
    pub n_const: i32,
    pub qgl: f32,
    pub mu_idx: i32,
    pub el_idx: i32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GenJet {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub hflav: u8,
    pub pflav: i32,
}

/// A low-pT jet kept only for MET type-1 corrections (CorrT1METJet).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LowJet {
    pub raw_pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub area: f32,
    pub mu_sub: f32,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FatJet {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub msd: f32,
    pub raw_factor: f32,
    pub area: f32,
    pub tau21: f32,
    pub top: bool,
    pub btag: f32,
}

/// Event-level quantities.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EventInfo {
    pub run: u32,
    pub lumi: u32,
    pub event: u64,
    pub weight: f32,
    pub n_true: f32,
    pub n_pu: i32,
    pub npvs: i32,
    pub npvs_good: i32,
    pub rho: f32,
    pub pv_z: f32,
    pub met: (f32, f32),
    pub raw_met: (f32, f32),
    pub gen_met: (f32, f32),
    pub sum_et: f32,
    pub ht: f32,
    pub hlt: u64,
    /// Bit i set = flag i failed (so 0 = all pass).
    pub flags_failed: u32,
    pub x1: f32,
    pub x2: f32,
    pub id1: i32,
    pub id2: i32,
    pub scale: f32,
    pub lhe_ht: f32,
    pub lhe_vpt: f32,
    pub lhe_njets: u8,
    pub lhe_nb: u8,
    pub ttbar: bool,
}
