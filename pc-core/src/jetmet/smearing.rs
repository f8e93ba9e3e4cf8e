//! JER hybrid smearing (CMSSW's `SmearedJetProducerT`, coffea's `jer_smear`) and its
//! deterministic random numbers.
//!
//! Random numbers: each jet gets one standard normal number computed from
//! `(seed, run, luminosityBlock, event, jet index in the event's collection)` only, so results
//! do not depend on chunking, thread count or processing order:
//! `h = splitmix64(seed)`, then `h = splitmix64(h ^ v)` for `v` in (run, lumi, event, index);
//! `a = splitmix64(h)`, `b = splitmix64(a)`; `u1 = ((a >> 11) + 1) / 2^53` in (0, 1],
//! `u2 = (b >> 11) / 2^53` in [0, 1); the number is `sqrt(-2 ln u1) cos(2 pi u2)` (Box-Muller).
//! `validation/jetmet_reference.py` reimplements it to feed coffea the same numbers.

/// The splitmix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Identifies one jet for its random number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JetSeed {
    pub run: u32,
    pub lumi: u32,
    pub event: u64,
    pub index: usize,
}

/// The jet's standard normal random number (see the module docs).
pub fn jet_gauss(seed: u64, jet: JetSeed) -> f64 {
    let h = [
        u64::from(jet.run),
        u64::from(jet.lumi),
        jet.event,
        jet.index as u64,
    ]
    .into_iter()
    .fold(splitmix64(seed), |h, v| splitmix64(h ^ v));
    let a = splitmix64(h);
    let b = splitmix64(a);
    const TWO_M53: f64 = 1.0 / (1u64 << 53) as f64;
    let u1 = ((a >> 11) + 1) as f64 * TWO_M53;
    let u2 = (b >> 11) as f64 * TWO_M53;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Smallest jet energy after smearing (coffea's `_MIN_JET_ENERGY`, a float32 0.01 GeV).
const MIN_JET_ENERGY: f32 = 1e-2;

/// What the JER smearing of one jet needs.
#[derive(Clone, Copy, Debug)]
pub struct SmearInput {
    /// The jet pt after JEC.
    pub pt: f64,
    pub eta: f64,
    /// The matched generator jet's pt, or 0 when unmatched.
    pub pt_gen: f64,
    /// Relative pt resolution.
    pub resolution: f64,
    /// Standard normal random number of this jet.
    pub gauss: f64,
}

/// The smearing factor for one scale factor: the scaling method
/// `1 + (sf - 1) (pt - pt_gen) / pt` when a generator jet is matched and
/// `|pt - pt_gen| < 3 resolution pt`, otherwise the stochastic method
/// `1 + sqrt(max(sf^2 - 1, 0)) resolution gauss`; the smeared energy is kept above 0.01 GeV.
pub fn smear_factor(jet: &SmearInput, sf: f64) -> f64 {
    let delta = (jet.pt - jet.pt_gen) / jet.pt;
    let hybrid = jet.pt_gen > 0.0 && delta.abs() < 3.0 * jet.resolution;
    let factor = if hybrid {
        1.0 + (sf - 1.0) * delta
    } else {
        1.0 + (sf * sf - 1.0).max(0.0).sqrt() * (jet.resolution * jet.gauss)
    };
    let min_pt = f64::from(MIN_JET_ENERGY) / jet.eta.cosh();
    if factor * jet.pt < min_pt {
        min_pt / jet.pt
    } else {
        factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_is_deterministic_and_standard_normal() {
        let seed = |index| JetSeed {
            run: 1,
            lumi: 2,
            event: 3,
            index,
        };
        assert_eq!(jet_gauss(7, seed(0)), jet_gauss(7, seed(0)));
        assert_ne!(jet_gauss(7, seed(0)), jet_gauss(7, seed(1)));
        assert_ne!(jet_gauss(7, seed(0)), jet_gauss(8, seed(0)));
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|i| jet_gauss(0, seed(i))).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        let tail = xs.iter().filter(|x| x.abs() > 1.959_964).count() as f64 / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
        assert!((tail - 0.05).abs() < 0.003, "two-sided 5% tail {tail}");
    }

    #[test]
    fn hybrid_smearing_rules() {
        let jet = |pt_gen, gauss| SmearInput {
            pt: 100.0,
            eta: 0.0,
            pt_gen,
            resolution: 0.1,
            gauss,
        };
        // Matched within 3 sigma: scaling method, independent of the random number.
        assert!((smear_factor(&jet(90.0, 5.0), 1.2) - 1.02).abs() < 1e-12);
        // Matched but 3 sigma away, or unmatched: stochastic method.
        let stochastic = 1.0 + (1.44f64 - 1.0).sqrt() * 0.1 * 0.5;
        assert!((smear_factor(&jet(60.0, 0.5), 1.2) - stochastic).abs() < 1e-12);
        assert!((smear_factor(&jet(0.0, 0.5), 1.2) - stochastic).abs() < 1e-12);
        // sf < 1 leaves unmatched jets unchanged; the energy floor holds.
        assert_eq!(smear_factor(&jet(0.0, 0.5), 0.9), 1.0);
        assert!(smear_factor(&jet(0.0, -20.0), 1.5) * 100.0 >= 0.0099);
    }
}
