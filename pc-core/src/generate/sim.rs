//! Detector simulation: turns generator-level [`Truth`] into reconstructed NanoAOD objects
//! (resolution smearing, acceptance, efficiencies, fakes, pileup, MET, trigger emulation).

use super::physics::{
    Electron, EventInfo, FatJet, GenJet, GenPart, Jet, LowJet, Muon, Photon, Tau, Truth, wrap_phi,
};
use super::rng::{Rng, fast_atan2, fast_sincos};
use super::schema::{HltRule, PHYS_HLT};

/// A jagged collection over the events of one cluster.
#[derive(Debug)]
pub(crate) struct Coll<T> {
    pub items: Vec<T>,
    pub offsets: Vec<u32>,
}

impl<T> Coll<T> {
    fn with_capacity(events: usize, per_event: usize) -> Coll<T> {
        let mut offsets = Vec::with_capacity(events + 1);
        offsets.push(0);
        Coll {
            items: Vec::with_capacity(events * per_event),
            offsets,
        }
    }

    fn close_event(&mut self) {
        self.offsets.push(self.items.len() as u32);
    }
}

/// A generator-level dressed lepton.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GenLep {
    pub pt: f32,
    pub eta: f32,
    pub phi: f32,
    pub mass: f32,
    pub pdg: i32,
    pub from_tau: bool,
}

/// All objects of the events of one cluster.
#[derive(Debug)]
pub(crate) struct ClusterData {
    pub ev: Vec<EventInfo>,
    pub muons: Coll<Muon>,
    pub electrons: Coll<Electron>,
    pub taus: Coll<Tau>,
    pub photons: Coll<Photon>,
    pub jets: Coll<Jet>,
    pub genjets: Coll<GenJet>,
    pub genparts: Coll<GenPart>,
    pub genleps: Coll<GenLep>,
    pub lowjets: Coll<LowJet>,
    pub fatjets: Coll<FatJet>,
}

impl ClusterData {
    pub(crate) fn with_capacity(n: usize) -> ClusterData {
        ClusterData {
            ev: Vec::with_capacity(n),
            muons: Coll::with_capacity(n, 2),
            electrons: Coll::with_capacity(n, 2),
            taus: Coll::with_capacity(n, 1),
            photons: Coll::with_capacity(n, 1),
            jets: Coll::with_capacity(n, 4),
            genjets: Coll::with_capacity(n, 4),
            genparts: Coll::with_capacity(n, 8),
            genleps: Coll::with_capacity(n, 2),
            lowjets: Coll::with_capacity(n, 5),
            fatjets: Coll::with_capacity(n, 1),
        }
    }

    fn close_event(&mut self) {
        self.muons.close_event();
        self.electrons.close_event();
        self.taus.close_event();
        self.photons.close_event();
        self.jets.close_event();
        self.genjets.close_event();
        self.genparts.close_event();
        self.genleps.close_event();
        self.lowjets.close_event();
        self.fatjets.close_event();
    }
}

fn delta_r(eta1: f32, phi1: f32, eta2: f32, phi2: f32) -> f32 {
    let dphi = wrap_phi(f64::from(phi1 - phi2)) as f32;
    ((eta1 - eta2) * (eta1 - eta2) + dphi * dphi).sqrt()
}

/// A 2018-like pileup profile: mean ~32, long upper tail.
pub(crate) fn pileup(rng: &mut Rng) -> f64 {
    loop {
        let x = rng.gauss(31.0, 10.5) + if rng.chance(0.15) { rng.exp(8.0) } else { 0.0 };
        if x > 0.5 && x < 99.0 {
            return x;
        }
    }
}

/// DeepJet b-tag discriminant for a jet of the given hadron flavour.
fn deepflav_b(rng: &mut Rng, hflav: i32) -> f32 {
    let u = rng.uniform();
    let x = match hflav {
        5 if u < 0.78 => 1.0 - 0.72 * rng.uniform().powi(3),
        5 => 0.3 * rng.uniform(),
        4 if u < 0.16 => rng.range(0.28, 0.95),
        4 => 0.28 * rng.uniform().powi(2),
        _ if u < 0.012 => rng.range(0.28, 0.99),
        _ => 0.002 + 0.25 * rng.uniform().powi(5),
    };
    x as f32
}

/// Random energy fractions (charged had, neutral had, charged EM, neutral EM, muon) summing to 1.
fn energy_fractions(rng: &mut Rng) -> [f32; 5] {
    let w = [0.6, 0.12, 0.02, 0.24, 0.005];
    let mut f = [0f64; 5];
    for (fi, wi) in f.iter_mut().zip(w) {
        *fi = wi * (0.15 + 1.7 * rng.uniform());
    }
    let s: f64 = f.iter().sum::<f64>().max(1e-9);
    f.map(|x| (x / s) as f32)
}

/// Relative jet energy resolution (stochastic, noise and constant terms; worse forward).
fn jet_resolution(pt: f64, eta: f64) -> f64 {
    let fwd = if eta.abs() > 2.5 { 1.4 } else { 1.0 };
    fwd * ((4.0 / pt).powi(2) + 1.0 / pt + 0.05f64.powi(2)).sqrt()
}

/// Per-event working buffers of [`simulate`], reused from event to event.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    gj: Vec<GenJet>,
    jets: Vec<Jet>,
    muons: Vec<Muon>,
    eles: Vec<Electron>,
    taus: Vec<Tau>,
    photons: Vec<Photon>,
    fat: Vec<FatJet>,
    om: Vec<Online>,
    oe: Vec<Online>,
}

/// Simulates one event and appends it to `cd`. `mc` controls gen-level content.
pub(crate) fn simulate(
    truth: &Truth,
    mut info: EventInfo,
    mc: bool,
    rng: &mut Rng,
    cd: &mut ClusterData,
    scratch: &mut Scratch,
) {
    // ---- pileup and vertices
    let n_true = pileup(rng);
    info.n_true = n_true as f32;
    info.n_pu = rng.poisson(n_true) as i32;
    let npvs = (rng.poisson(0.72 * n_true) + 1) as i32;
    info.npvs = npvs;
    info.npvs_good =
        (npvs - rng.poisson(0.02 * f64::from(npvs)) as i32).max(i32::from(rng.chance(0.997)));
    info.rho = (0.56 * n_true + 1.5 + rng.gauss(0.0, 1.8)).max(0.3) as f32;
    info.pv_z = rng.gauss(0.0, 3.5) as f32;
    info.x1 = truth.x1 as f32;
    info.x2 = truth.x2 as f32;
    info.id1 = truth.id1;
    info.id2 = truth.id2;
    info.scale = truth.scale as f32;
    info.lhe_ht = truth.lhe_ht as f32;
    info.lhe_vpt = truth.lhe_vpt as f32;
    info.lhe_njets = truth.lhe_njets;
    info.lhe_nb = truth.lhe_nb;
    info.gen_met = (
        (truth.nu.0 * truth.nu.0 + truth.nu.1 * truth.nu.1).sqrt() as f32,
        fast_atan2(truth.nu.1, truth.nu.0) as f32,
    );

    // MET accumulates minus the mis-measurement of everything visible.
    let (mut met_x, mut met_y) = (truth.nu.0, truth.nu.1);

    if mc {
        cd.genparts.items.extend_from_slice(&truth.genparts);
        for (p, pdg, flav, _) in &truth.leptons {
            if p.pt() > 3.0 {
                cd.genleps.items.push(GenLep {
                    pt: p.pt() as f32,
                    eta: p.eta() as f32,
                    phi: p.phi() as f32,
                    mass: p.mass() as f32,
                    pdg: *pdg,
                    from_tau: *flav == 15,
                });
            }
        }
    }

    // ---- generator jets: partons (and visible hadronic taus) after fragmentation
    let Scratch {
        gj,
        jets,
        muons,
        eles,
        taus,
        photons,
        fat,
        om,
        oe,
    } = scratch;
    gj.clear();
    for (p, h, f) in &truth.partons {
        let pt = p.pt() * rng.gauss(0.96, 0.07).max(0.3);
        let eta = p.eta() + rng.gauss(0.0, 0.03);
        if pt > 10.0 && eta.abs() < 5.0 {
            gj.push(GenJet {
                pt: pt as f32,
                eta: eta as f32,
                phi: wrap_phi(p.phi() + rng.gauss(0.0, 0.03)) as f32,
                mass: (pt * rng.range(0.06, 0.16) + if *h == 5 { 4.0 } else { 0.0 }) as f32,
                hflav: *h,
                pflav: *f,
            });
        }
    }
    for (p, _, _) in &truth.tau_had {
        if p.pt() > 10.0 {
            gj.push(GenJet {
                pt: p.pt() as f32,
                eta: p.eta() as f32,
                phi: p.phi() as f32,
                mass: 1.2,
                hflav: 0,
                pflav: 0,
            });
        }
    }
    for _ in 0..rng.poisson(1.2) {
        gj.push(GenJet {
            pt: (10.0 + rng.exp(5.0)) as f32,
            eta: rng.gauss(0.0, 2.4).clamp(-4.9, 4.9) as f32,
            phi: rng.phi() as f32,
            mass: rng.range(1.0, 4.0) as f32,
            hflav: 0,
            pflav: if rng.chance(0.5) { 21 } else { 0 },
        });
    }
    gj.sort_by(|a, b| b.pt.total_cmp(&a.pt));

    // ---- reconstructed jets
    jets.clear();
    for (gi, g) in gj.iter().enumerate() {
        if g.eta.abs() > 4.7 {
            continue;
        }
        let gpt = f64::from(g.pt);
        let pt = gpt
            * rng
                .gauss(1.0, jet_resolution(gpt, f64::from(g.eta)))
                .max(0.2);
        let raw_factor = (0.02 + 2.5 / pt + rng.gauss(0.0, 0.02)).clamp(-0.05, 0.45);
        let eta = f64::from(g.eta) + rng.gauss(0.0, 0.02);
        let phi = wrap_phi(f64::from(g.phi) + rng.gauss(0.0, 0.02));
        // mis-measurement feeds MET (type-1 corrected)
        let (sin_phi, cos_phi) = fast_sincos(phi);
        met_x -= (pt - gpt) * cos_phi;
        met_y -= (pt - gpt) * sin_phi;
        if pt < 15.0 {
            if pt * (1.0 - raw_factor) > 8.0 || rng.chance(0.5) {
                cd.lowjets.items.push(LowJet {
                    raw_pt: (pt * (1.0 - raw_factor)) as f32,
                    eta: eta as f32,
                    phi: phi as f32,
                    area: rng.gauss(0.5, 0.03) as f32,
                    mu_sub: if rng.chance(0.97) {
                        1.0
                    } else {
                        rng.range(0.5, 1.0) as f32
                    },
                });
            }
            continue;
        }
        let fr = energy_fractions(rng);
        let hflav = i32::from(g.hflav);
        let pu_id = if pt >= 50.0 {
            7
        } else {
            let u = rng.uniform();
            if u < 0.86 {
                7
            } else if u < 0.93 {
                6
            } else if u < 0.97 {
                4
            } else {
                0
            }
        };
        jets.push(Jet {
            pt: pt as f32,
            eta: eta as f32,
            phi: phi as f32,
            mass: (f64::from(g.mass) * rng.gauss(1.0, 0.1).max(0.3)) as f32,
            raw_factor: raw_factor as f32,
            area: rng.gauss(0.5, 0.035).clamp(0.3, 0.7) as f32,
            btag: if eta.abs() < 2.5 {
                deepflav_b(rng, hflav)
            } else {
                -1.0
            },
            hflav,
            pflav: g.pflav,
            gen_idx: gi as i32,
            jet_id: {
                let u = rng.uniform();
                if u < 0.955 {
                    6
                } else if u < 0.99 {
                    2
                } else {
                    0
                }
            },
            pu_id,
            ch_had: fr[0],
            ne_had: fr[1],
            ch_em: fr[2],
            ne_em: fr[3],
            mu_ef: fr[4],
            n_const: (rng.poisson(6.0 + pt / 6.0) + 2) as i32,
            qgl: if g.pflav == 21 {
                let u = rng.uniform();
                u * u.sqrt() // u^1.5
            } else {
                1.0 - 0.8 * rng.uniform().powi(2)
            } as f32,
            mu_idx: -1,
            el_idx: -1,
        });
    }
    // pileup jets: no generator match, mostly failing pileup ID
    for _ in 0..rng.poisson(0.012 * n_true) {
        let pt = 15.0 + rng.exp(5.0);
        let phi = rng.phi();
        let (sin_phi, cos_phi) = fast_sincos(phi);
        met_x -= pt * cos_phi;
        met_y -= pt * sin_phi;
        let fr = energy_fractions(rng);
        jets.push(Jet {
            pt: pt as f32,
            eta: rng.gauss(0.0, 2.6).clamp(-4.69, 4.69) as f32,
            phi: phi as f32,
            mass: (pt * rng.range(0.08, 0.2)) as f32,
            raw_factor: (0.05 + 2.5 / pt) as f32,
            area: rng.gauss(0.5, 0.05).clamp(0.3, 0.7) as f32,
            btag: deepflav_b(rng, 0),
            hflav: 0,
            pflav: 0,
            gen_idx: -1,
            jet_id: 6,
            pu_id: if rng.chance(0.75) { 0 } else { 4 },
            ch_had: fr[0],
            ne_had: fr[1],
            ch_em: fr[2],
            ne_em: fr[3],
            mu_ef: fr[4],
            n_const: (rng.poisson(5.0) + 2) as i32,
            qgl: rng.uniform() as f32,
            mu_idx: -1,
            el_idx: -1,
        });
    }
    // unclustered soft jets for MET type-1
    for _ in 0..rng.poisson(1.5 + 0.08 * n_true) {
        cd.lowjets.items.push(LowJet {
            raw_pt: rng.range(8.0, 14.0) as f32,
            eta: rng.gauss(0.0, 2.5).clamp(-5.0, 5.0) as f32,
            phi: rng.phi() as f32,
            area: rng.gauss(0.5, 0.04) as f32,
            mu_sub: 1.0,
        });
    }
    jets.sort_by(|a, b| b.pt.total_cmp(&a.pt));

    // ---- leptons
    muons.clear();
    eles.clear();
    let pu_iso = 0.0015 * n_true;
    for (p, pdg, flav, gidx) in &truth.leptons {
        let (pt, eta) = (p.pt(), p.eta());
        let prompt_tau = *flav == 15;
        if pdg.abs() == 13 {
            if eta.abs() > 2.4 || pt < 3.0 || !rng.chance(if pt < 10.0 { 0.9 } else { 0.97 }) {
                continue;
            }
            let res = 0.01 + 0.01 * (eta.abs() / 2.4) + 5e-5 * pt;
            let rpt = pt * rng.gauss(1.0, res).max(0.5);
            // (rpt - pt) * (cos phi, sin phi) = (rpt / pt - 1) * (px, py)
            met_x -= (rpt / pt - 1.0) * p.px;
            met_y -= (rpt / pt - 1.0) * p.py;
            let d0 = if prompt_tau { 0.008 } else { 0.0015 };
            muons.push(Muon {
                pt: rpt as f32,
                eta: (eta + rng.gauss(0.0, 0.001)) as f32,
                phi: wrap_phi(p.phi() + rng.gauss(0.0, 0.001)) as f32,
                charge: -pdg.signum(),
                iso: (rng.exp(0.035) + pu_iso * rng.uniform()) as f32,
                dxy: rng.gauss(0.0, d0) as f32,
                dz: rng.gauss(0.0, 2.5 * d0) as f32,
                res: res as f32,
                tight: rng.chance(0.975),
                medium: rng.chance(0.99),
                flav: *flav,
                gen_idx: *gidx,
                jet_idx: -1,
            });
        } else if pdg.abs() == 11 {
            let crack = eta.abs() > 1.4442 && eta.abs() < 1.566;
            let eff = if crack {
                0.5
            } else if pt < 15.0 {
                0.75
            } else {
                0.93
            };
            if eta.abs() > 2.5 || pt < 5.0 || !rng.chance(eff) {
                continue;
            }
            let res = 0.02 + 0.012 * (eta.abs() / 2.5) + if crack { 0.02 } else { 0.0 };
            let rpt = pt * rng.gauss(1.0, res).max(0.5);
            // (rpt - pt) * (cos phi, sin phi) = (rpt / pt - 1) * (px, py)
            met_x -= (rpt / pt - 1.0) * p.px;
            met_y -= (rpt / pt - 1.0) * p.py;
            let iso = rng.exp(0.03) + pu_iso * rng.uniform();
            let mva = 1.0 - 2.0 * rng.uniform().powi(14);
            eles.push(Electron {
                pt: rpt as f32,
                eta: (eta + rng.gauss(0.0, 0.002)) as f32,
                phi: wrap_phi(p.phi() + rng.gauss(0.0, 0.002)) as f32,
                charge: -pdg.signum(),
                iso: iso as f32,
                dxy: rng.gauss(0.0, if prompt_tau { 0.01 } else { 0.003 }) as f32,
                dz: rng.gauss(0.0, 0.008) as f32,
                res: res as f32,
                mva: mva as f32,
                cut_based: prompt_cut_based(rng, iso),
                deta_sc: rng.gauss(0.0, 0.012) as f32,
                flav: *flav,
                gen_idx: *gidx,
                jet_idx: -1,
            });
        }
    }
    // non-prompt leptons from heavy-flavour decays inside jets, and light fakes
    for j in jets.iter() {
        let p_mu = match j.hflav {
            5 => 0.1,
            4 => 0.05,
            _ => 0.004,
        };
        let p_el = match j.hflav {
            5 => 0.08,
            4 => 0.04,
            _ => 0.02,
        };
        if j.eta.abs() < 2.4 && rng.chance(p_mu) {
            let pt = f64::from(j.pt) * rng.range(0.03, 0.3);
            if pt > 3.0 {
                muons.push(fake_muon(
                    rng,
                    pt,
                    j,
                    if j.hflav == 0 { 3 } else { j.hflav as u8 },
                ));
            }
        }
        if j.eta.abs() < 2.5 && rng.chance(p_el) {
            let pt = f64::from(j.pt) * rng.range(0.05, 0.5);
            if pt > 5.0 {
                eles.push(fake_electron(
                    rng,
                    pt,
                    j,
                    if j.hflav == 0 { 0 } else { j.hflav as u8 },
                ));
            }
        }
    }
    muons.sort_by(|a, b| b.pt.total_cmp(&a.pt));
    eles.sort_by(|a, b| b.pt.total_cmp(&a.pt));
    for (i, m) in muons.iter_mut().enumerate() {
        if let Some((ji, j)) = jets
            .iter_mut()
            .enumerate()
            .find(|(_, j)| delta_r(j.eta, j.phi, m.eta, m.phi) < 0.4)
        {
            m.jet_idx = ji as i32;
            if j.mu_idx < 0 {
                j.mu_idx = i as i32;
            }
        }
    }
    for (i, e) in eles.iter_mut().enumerate() {
        if let Some((ji, j)) = jets
            .iter_mut()
            .enumerate()
            .find(|(_, j)| delta_r(j.eta, j.phi, e.eta, e.phi) < 0.4)
        {
            e.jet_idx = ji as i32;
            if j.el_idx < 0 {
                j.el_idx = i as i32;
            }
        }
    }

    // ---- hadronic taus (genuine and jet fakes)
    taus.clear();
    for (p, charge, gidx) in &truth.tau_had {
        if p.pt() > 18.0 && p.eta().abs() < 2.3 && rng.chance(0.6) {
            let dm = tau_decay_mode(rng);
            taus.push(Tau {
                pt: (p.pt() * rng.gauss(1.0, 0.05)) as f32,
                eta: p.eta() as f32,
                phi: p.phi() as f32,
                mass: tau_mass(rng, dm),
                charge: *charge,
                decay_mode: dm,
                vs_jet: (1.0 - 0.3 * rng.uniform().powi(3)) as f32,
                flav: 5,
                gen_idx: *gidx,
                jet_idx: -1,
            });
        }
    }
    for (ji, j) in jets.iter().enumerate() {
        if j.pt > 20.0 && j.eta.abs() < 2.3 && rng.chance(0.08) {
            let dm = tau_decay_mode(rng);
            taus.push(Tau {
                pt: j.pt * rng.range(0.6, 0.95) as f32,
                eta: j.eta,
                phi: j.phi,
                mass: tau_mass(rng, dm),
                charge: if rng.chance(0.5) { 1 } else { -1 },
                decay_mode: dm,
                vs_jet: rng.uniform().powi(3) as f32,
                flav: 0,
                gen_idx: -1,
                jet_idx: ji as i32,
            });
        }
    }
    taus.sort_by(|a, b| b.pt.total_cmp(&a.pt));

    // ---- photons (pi0s in jets, FSR)
    photons.clear();
    for (ji, j) in jets.iter().enumerate() {
        if j.eta.abs() < 2.5 && rng.chance(0.12) {
            photons.push(Photon {
                pt: j.pt * rng.range(0.1, 0.6) as f32,
                eta: j.eta + rng.gauss(0.0, 0.05) as f32,
                phi: wrap_phi(f64::from(j.phi) + rng.gauss(0.0, 0.05)) as f32,
                iso: rng.exp(0.5) as f32,
                mva: rng.range(-1.0, 0.6) as f32,
                flav: 0,
                jet_idx: ji as i32,
            });
        }
    }
    if rng.chance(0.06) {
        photons.push(Photon {
            pt: (10.0 + rng.exp(12.0)) as f32,
            eta: rng.gauss(0.0, 1.3).clamp(-2.5, 2.5) as f32,
            phi: rng.phi() as f32,
            iso: rng.exp(0.04) as f32,
            mva: (1.0 - 0.6 * rng.uniform().powi(4)) as f32,
            flav: 1,
            jet_idx: -1,
        });
    }
    photons.retain(|p| p.pt > 10.0);
    photons.sort_by(|a, b| b.pt.total_cmp(&a.pt));

    // ---- fat jets from hard jets
    fat.clear();
    for j in jets.iter().filter(|j| j.pt > 170.0 && j.eta.abs() < 2.4) {
        let top = j.hflav == 5 && rng.chance(0.3);
        let mass = if top {
            rng.gauss(172.0, 15.0)
        } else {
            f64::from(j.pt) * rng.range(0.05, 0.25)
        };
        fat.push(FatJet {
            pt: j.pt * rng.gauss(1.08, 0.05) as f32,
            eta: j.eta,
            phi: j.phi,
            mass: mass.max(5.0) as f32,
            msd: (mass * rng.range(0.7, 1.0)) as f32,
            raw_factor: j.raw_factor * 0.8,
            area: rng.gauss(2.0, 0.08) as f32,
            tau21: rng.range(if top { 0.2 } else { 0.4 }, 0.9) as f32,
            top,
            btag: j.btag,
        });
    }

    // ---- MET: unclustered resolution grows with pileup and activity
    let ht: f64 = jets.iter().map(|j| f64::from(j.pt)).sum();
    let sigma = (40.0 + 5.0 * n_true + 0.25 * ht).sqrt();
    met_x += rng.gauss(0.0, sigma);
    met_y += rng.gauss(0.0, sigma);
    info.met = (
        (met_x * met_x + met_y * met_y).sqrt() as f32,
        fast_atan2(met_y, met_x) as f32,
    );
    // raw MET = type-1 MET + sum over jets of (corrected - raw) pT
    let (mut rx, mut ry) = (met_x, met_y);
    for j in jets.iter() {
        let d = f64::from(j.pt * j.raw_factor);
        let (sin_phi, cos_phi) = fast_sincos(f64::from(j.phi));
        rx += d * cos_phi;
        ry += d * sin_phi;
    }
    info.raw_met = ((rx * rx + ry * ry).sqrt() as f32, fast_atan2(ry, rx) as f32);
    let lep_pt: f32 =
        muons.iter().map(|m| m.pt).sum::<f32>() + eles.iter().map(|e| e.pt).sum::<f32>();
    info.ht = ht as f32;
    info.sum_et = (ht + f64::from(lep_pt) + 22.0 * n_true + rng.exp(80.0) + 150.0) as f32;

    // ---- triggers and filters
    info.hlt = emulate_hlt(rng, muons, eles, jets, info.met.0, om, oe);
    info.flags_failed = if rng.chance(0.995) {
        0
    } else {
        1 << rng.below(26)
    };

    cd.ev.push(info);
    cd.muons.items.extend_from_slice(muons);
    cd.electrons.items.extend_from_slice(eles);
    cd.taus.items.extend_from_slice(taus);
    cd.photons.items.extend_from_slice(photons);
    cd.jets.items.extend_from_slice(jets);
    if mc {
        cd.genjets.items.extend_from_slice(gj);
    }
    cd.fatjets.items.extend_from_slice(fat);
    cd.close_event();
}

fn prompt_cut_based(rng: &mut Rng, iso: f64) -> i32 {
    let u = rng.uniform();
    let id = if u < 0.78 {
        4
    } else if u < 0.88 {
        3
    } else if u < 0.94 {
        2
    } else if u < 0.97 {
        1
    } else {
        0
    };
    if iso > 0.2 { id.min(1) } else { id }
}

fn fake_muon(rng: &mut Rng, pt: f64, j: &Jet, flav: u8) -> Muon {
    Muon {
        pt: pt as f32,
        eta: j.eta + rng.gauss(0.0, 0.08) as f32,
        phi: wrap_phi(f64::from(j.phi) + rng.gauss(0.0, 0.08)) as f32,
        charge: if rng.chance(0.5) { 1 } else { -1 },
        iso: (0.1 + rng.exp(0.7)) as f32,
        dxy: rng.gauss(0.0, 0.03) as f32,
        dz: rng.gauss(0.0, 0.05) as f32,
        res: 0.015,
        tight: rng.chance(0.6),
        medium: rng.chance(0.75),
        flav,
        gen_idx: -1,
        jet_idx: -1,
    }
}

fn fake_electron(rng: &mut Rng, pt: f64, j: &Jet, flav: u8) -> Electron {
    let iso = 0.05 + rng.exp(0.5);
    Electron {
        pt: pt as f32,
        eta: j.eta + rng.gauss(0.0, 0.08) as f32,
        phi: wrap_phi(f64::from(j.phi) + rng.gauss(0.0, 0.08)) as f32,
        charge: if rng.chance(0.5) { 1 } else { -1 },
        iso: iso as f32,
        dxy: rng.gauss(0.0, 0.03) as f32,
        dz: rng.gauss(0.0, 0.06) as f32,
        res: 0.04,
        mva: {
            let u = rng.uniform();
            (2.0 * u * u.sqrt() - 1.0) as f32 // 2 u^1.5 - 1
        },
        cut_based: if rng.chance(0.6) {
            0
        } else {
            1 + rng.below(2) as i32
        },
        deta_sc: rng.gauss(0.0, 0.015) as f32,
        flav,
        gen_idx: -1,
        jet_idx: -1,
    }
}

fn tau_decay_mode(rng: &mut Rng) -> i32 {
    let u = rng.uniform();
    if u < 0.25 {
        0
    } else if u < 0.75 {
        1
    } else if u < 0.9 {
        10
    } else {
        11
    }
}

fn tau_mass(rng: &mut Rng, dm: i32) -> f32 {
    match dm {
        0 => 0.139_570,
        1 => rng.gauss(0.77, 0.15).clamp(0.3, 1.5) as f32,
        _ => rng.gauss(1.15, 0.15).clamp(0.8, 1.6) as f32,
    }
}

/// Online (trigger-level) lepton: pT with HLT resolution, isolation.
#[derive(Debug)]
pub(crate) struct Online {
    pt: f64,
    eta: f32,
    iso: f32,
}

/// HLT emulation: per physics path, an online pT threshold (turn-on from the online
/// resolution) times a plateau efficiency; one plateau draw per object type so that
/// looser paths contain tighter ones.
fn emulate_hlt(
    rng: &mut Rng,
    muons: &[Muon],
    eles: &[Electron],
    jets: &[Jet],
    met: f32,
    om: &mut Vec<Online>,
    oe: &mut Vec<Online>,
) -> u64 {
    om.clear();
    om.extend(muons.iter().map(|m| Online {
        pt: f64::from(m.pt) * rng.gauss(1.0, 0.025),
        eta: m.eta,
        iso: m.iso,
    }));
    oe.clear();
    oe.extend(eles.iter().map(|e| Online {
        pt: f64::from(e.pt) * rng.gauss(1.0, 0.035),
        eta: e.eta,
        iso: e.iso,
    }));
    let (om, oe) = (&om[..], &oe[..]);
    let (u_mu, u_e, u_had) = (rng.uniform(), rng.uniform(), rng.uniform());
    let count = |obj: &[Online], thr: f64, iso: bool, eta: f32| {
        obj.iter()
            .filter(|o| o.pt > thr && o.eta.abs() < eta && (!iso || o.iso < 0.3))
            .count()
    };
    let ht: f64 = jets
        .iter()
        .filter(|j| j.pt > 30.0 && j.eta.abs() < 2.5)
        .map(|j| f64::from(j.pt))
        .sum();
    let lead_jet = jets.first().map_or(0.0, |j| f64::from(j.pt));
    let online_met = f64::from(met) * 0.95;
    let mut bits = 0u64;
    for (i, (_, rule)) in PHYS_HLT.iter().enumerate() {
        let pass = match *rule {
            HltRule::Mu { thr, iso, eta, eff } => u_mu < eff && count(om, thr, iso, eta) > 0,
            HltRule::Ele { thr, iso, eta, eff } => u_e < eff && count(oe, thr, iso, eta) > 0,
            HltRule::MuMu { t1, t2, eff } => {
                u_mu < eff && count(om, t1, true, 2.4) > 0 && count(om, t2, true, 2.4) > 1
            }
            HltRule::EleEle { t1, t2, eff } => {
                u_e < eff && count(oe, t1, true, 2.5) > 0 && count(oe, t2, true, 2.5) > 1
            }
            HltRule::MuEle { tm, te, eff } => {
                u_mu.max(u_e) < eff && count(om, tm, true, 2.4) > 0 && count(oe, te, true, 2.5) > 0
            }
            HltRule::Met { thr } => online_met > thr && u_had < 0.97,
            HltRule::Jet { thr } => lead_jet > thr && u_had < 0.98,
            HltRule::Ht { thr } => ht > thr && u_had < 0.98,
        };
        if pass {
            bits |= 1 << i;
        }
    }
    bits
}

/// Builds the P4 sum of the two leading objects (test helper and sanity checks).
#[cfg(test)]
pub(crate) fn pair_mass(pt: &[f32], eta: &[f32], phi: &[f32], m: f64) -> f64 {
    use super::physics::P4;
    let a = P4::from_pt_eta_phi_m(f64::from(pt[0]), f64::from(eta[0]), f64::from(phi[0]), m);
    let b = P4::from_pt_eta_phi_m(f64::from(pt[1]), f64::from(eta[1]), f64::from(phi[1]), m);
    a.add(&b).mass()
}
