//! Kinematics of anything with an (eta, phi) direction or a (pt, eta, phi, mass) momentum:
//! ΔR, Δφ, four-vectors, their sums and masses, all in double precision. `#[processor]`
//! implements [`Direction`] and [`Momentum`] for every `#[collection]` with `f32` fields
//! `eta`, `phi` (and `pt`, `mass`).

use std::f64::consts::PI;
use std::ops::{Add, AddAssign};

/// Δφ wrapped into [-π, π).
pub fn delta_phi(phi1: f32, phi2: f32) -> f64 {
    (f64::from(phi1) - f64::from(phi2) + PI).rem_euclid(2.0 * PI) - PI
}

/// ΔR = √(Δη² + Δφ²).
pub fn delta_r(eta1: f32, phi1: f32, eta2: f32, phi2: f32) -> f64 {
    let deta = f64::from(eta1) - f64::from(eta2);
    let dphi = delta_phi(phi1, phi2);
    (deta * deta + dphi * dphi).sqrt()
}

/// Something with a direction (a NanoAOD object with `eta` and `phi`).
pub trait Direction {
    fn eta(&self) -> f32;
    fn phi(&self) -> f32;

    /// ΔR to `other`.
    fn delta_r(&self, other: &impl Direction) -> f64 {
        delta_r(self.eta(), self.phi(), other.eta(), other.phi())
    }

    /// Δφ to `other`, in [-π, π).
    fn delta_phi(&self, other: &impl Direction) -> f64 {
        delta_phi(self.phi(), other.phi())
    }
}

/// Something with a momentum (`pt`, `eta`, `phi`, `mass`).
pub trait Momentum: Direction {
    fn pt(&self) -> f32;
    fn mass(&self) -> f32;

    /// The four-vector.
    fn p4(&self) -> LorentzVector {
        LorentzVector::from_pt_eta_phi_mass(self.pt(), self.eta(), self.phi(), self.mass())
    }
}

/// A four-vector (px, py, pz, E) in GeV.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LorentzVector {
    pub px: f64,
    pub py: f64,
    pub pz: f64,
    pub e: f64,
}

impl LorentzVector {
    pub fn from_pt_eta_phi_mass(pt: f32, eta: f32, phi: f32, mass: f32) -> LorentzVector {
        let (pt, eta, phi, m) = (
            f64::from(pt),
            f64::from(eta),
            f64::from(phi),
            f64::from(mass),
        );
        let (px, py, pz) = (pt * phi.cos(), pt * phi.sin(), pt * eta.sinh());
        let e = (px * px + py * py + pz * pz + m * m).sqrt();
        LorentzVector { px, py, pz, e }
    }

    /// The sum of the four-vectors of `items` (zero for none).
    pub fn sum<'a, T: Momentum + 'a>(items: impl IntoIterator<Item = &'a T>) -> LorentzVector {
        items
            .into_iter()
            .map(Momentum::p4)
            .fold(LorentzVector::default(), Add::add)
    }

    /// The invariant mass (0 for a space-like vector).
    pub fn mass(&self) -> f64 {
        let (e, px, py, pz) = (self.e, self.px, self.py, self.pz);
        (e * e - px * px - py * py - pz * pz).max(0.0).sqrt()
    }

    pub fn pt(&self) -> f64 {
        self.px.hypot(self.py)
    }

    /// The pseudorapidity (±∞ along the beam).
    pub fn eta(&self) -> f64 {
        (self.pz / self.pt()).asinh()
    }

    pub fn phi(&self) -> f64 {
        self.py.atan2(self.px)
    }
}

impl Add for LorentzVector {
    type Output = LorentzVector;
    fn add(self, o: LorentzVector) -> LorentzVector {
        LorentzVector {
            px: self.px + o.px,
            py: self.py + o.py,
            pz: self.pz + o.pz,
            e: self.e + o.e,
        }
    }
}

impl AddAssign for LorentzVector {
    fn add_assign(&mut self, o: LorentzVector) {
        *self = *self + o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Obj([f32; 4]);
    impl Direction for Obj {
        fn eta(&self) -> f32 {
            self.0[1]
        }
        fn phi(&self) -> f32 {
            self.0[2]
        }
    }
    impl Momentum for Obj {
        fn pt(&self) -> f32 {
            self.0[0]
        }
        fn mass(&self) -> f32 {
            self.0[3]
        }
    }

    #[test]
    fn delta_phi_wraps_and_mass_of_a_pair() {
        assert!((delta_phi(3.0, -3.0) - (6.0 - 2.0 * PI)).abs() < 1e-6);
        assert!((delta_phi(-3.0, 3.0) + (6.0 - 2.0 * PI)).abs() < 1e-6);
        let (a, b) = (Obj([40.0, 0.5, 0.1, 0.105]), Obj([35.0, -0.3, 2.9, 0.105]));
        assert!((a.delta_r(&b) - (0.8f64.powi(2) + 2.8f64.powi(2)).sqrt()).abs() < 1e-6);
        // Massless limit: m² = 2 pt1 pt2 (cosh Δη - cos Δφ).
        let (a0, b0) = (Obj([40.0, 0.5, 0.1, 0.0]), Obj([35.0, -0.3, 2.9, 0.0]));
        let expect = (2.0 * 40.0 * 35.0 * ((0.8f64).cosh() - (2.8f64).cos())).sqrt();
        let m = LorentzVector::sum([&a0, &b0]).mass();
        assert!((m - expect).abs() < 1e-4 * expect, "{m} vs {expect}");
        let p = a.p4() + b.p4();
        assert!((p.mass() - LorentzVector::sum([&a, &b]).mass()).abs() < 1e-12);
        let single = a.p4();
        assert!((single.pt() - 40.0).abs() < 1e-5 && (single.eta() - 0.5).abs() < 1e-6);
        assert!((single.phi() - 0.1).abs() < 1e-6 && (single.mass() - 0.105).abs() < 1e-4);
    }
}
