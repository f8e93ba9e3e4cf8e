//! The standard collections (`pc_core::nano`) and object selection (`pc_core::cms::select`):
//! every library branch exists in real and generated NanoAOD with the type its field reads,
//! and PocketCoffea's selection rules at their edges.

use pc_core::cms::kinematics::LorentzVector;
use pc_core::cms::select::{ElectronId, MuonId, PileupIdCut, WorkingPoint};
use pc_core::cms::{Dilepton, ElectronCuts, JetCuts, MuonCuts};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::io::{LeafType, RootFile};
use pc_core::nano::{self, Electron, Jet, Muon};

use crate::common;

/// Each library branch in `file`: present, a counted array of `n{prefix}` (the GenJet
/// inputs only in MC).
fn check_branches(file: &std::path::Path, mc: bool) {
    let f = RootFile::open(file).unwrap();
    let tree = f.tree("Events").unwrap();
    for b in nano::branches().filter(|b| mc || !b.mc_only) {
        let info = tree
            .branch(b.name)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let prefix = b.name.split('_').next().unwrap();
        assert_eq!(
            info.counter.as_deref(),
            Some(format!("n{prefix}").as_str()),
            "{}",
            b.name
        );
        let leaf = info.leaf.unwrap();
        let want = match b.name.rsplit('_').next().unwrap() {
            "charge" | "jetId" | "puId" | "genJetIdx" => &[LeafType::I32, LeafType::U8][..],
            "tightId" | "mediumId" | "looseId" | "WP80" | "WP90" => &[LeafType::Bool],
            _ => &[LeafType::F32],
        };
        assert!(want.contains(&leaf), "{}: {leaf:?}", b.name);
    }
}

#[test]
fn library_branches_exist_in_real_and_generated_files() {
    check_branches(&common::shared_data().join("nanoaod/nano_dy.root"), true);
    let dir = common::scratch("nano-branches");
    for (kind, mc) in [(SampleKind::DrellYan, true), (SampleKind::Data, false)] {
        let path = dir.join(format!("{kind:?}.root"));
        let mut opts = GenerateOptions::new(kind, 2000);
        opts.cluster_size = 1000;
        generate(&path, &opts).unwrap();
        check_branches(&path, mc);
    }
}

fn muon(pt: f32, eta: f32, phi: f32, charge: i32) -> Muon {
    Muon {
        pt,
        eta,
        phi,
        mass: 0.105_658,
        charge,
        pf_rel_iso04_all: 0.1,
        tight_id: true,
        ..Muon::default()
    }
}

fn electron(pt: f32, eta: f32, delta_eta_sc: f32, charge: i32) -> Electron {
    Electron {
        pt,
        eta,
        phi: 0.5,
        mass: 0.000_511,
        charge,
        delta_eta_sc,
        pf_rel_iso03_all: 0.01,
        mva_fall17_v2_iso_wp80: true,
        ..Electron::default()
    }
}

#[test]
fn lepton_selection_as_pocketcoffea() {
    let mu = MuonCuts {
        pt: 15.0,
        eta: 2.4,
        iso: Some(0.25),
        id: MuonId::Tight,
    };
    assert!(mu.passes(&muon(20.0, 1.0, 0.0, 1)));
    assert!(!mu.passes(&muon(15.0, 1.0, 0.0, 1)), "pt > cut, strictly");
    assert!(
        !mu.passes(&muon(20.0, 2.4, 0.0, 1)),
        "|eta| < cut, strictly"
    );
    assert!(!mu.passes(&Muon {
        tight_id: false,
        ..muon(20.0, 1.0, 0.0, 1)
    }));
    assert!(!mu.passes(&Muon {
        pf_rel_iso04_all: 0.25,
        ..muon(20.0, 1.0, 0.0, 1)
    }));
    let medium = MuonCuts {
        id: MuonId::Medium,
        ..mu.clone()
    };
    assert!(
        !medium.passes(&muon(20.0, 1.0, 0.0, 1)),
        "the ID the parameters name"
    );

    let el = ElectronCuts {
        pt: 15.0,
        eta: 2.4,
        iso: None,
        id: ElectronId::MvaFall17V2IsoWp80,
    };
    assert!(el.passes(&electron(20.0, 1.40, 0.0, -1)));
    // The ECAL gap is on the supercluster |eta| = |eta + deltaEtaSC|.
    assert!(!el.passes(&electron(20.0, 1.40, 0.05, -1)));
    assert!(!el.passes(&electron(20.0, -1.50, -0.06, -1)));
    assert!(el.passes(&electron(20.0, 1.50, 0.07, -1)));
    assert!(
        el.passes(&Electron {
            pf_rel_iso03_all: 9.0,
            ..electron(20.0, 0.1, 0.0, 1)
        }),
        "no iso cut"
    );
}

#[test]
fn jet_selection_pileup_id_and_cleaning() {
    let cuts = JetCuts {
        dr_lepton: 0.4,
        pt: 30.0,
        eta: 2.4,
        jet_id: 2,
        pu_id: PileupIdCut {
            wp: "L".into(),
            value: 4,
            maxpt: 50.0,
        },
        btag: WorkingPoint { wp: "M".into() },
    };
    let jet = |pt: f32, phi: f32, pu_id: i32| Jet {
        pt,
        eta: 0.5,
        phi,
        jet_id: 6,
        pu_id,
        ..Jet::default()
    };
    assert!(
        !cuts.passes(&jet(40.0, 0.0, 0)),
        "below maxpt the PU ID applies"
    );
    assert!(cuts.passes(&jet(40.0, 0.0, 4)));
    assert!(
        cuts.passes(&jet(50.0, 0.0, 0)),
        "at maxpt and above it does not"
    );
    assert!(!cuts.passes(&Jet {
        jet_id: 1,
        ..jet(60.0, 0.0, 7)
    }));
    let muons = [muon(30.0, 0.5, 0.3, 1)];
    let none: [Electron; 0] = [];
    let kept = cuts.select(&[jet(60.0, 0.0, 7), jet(60.0, 1.0, 7)], &muons, &none);
    assert_eq!(
        kept.len(),
        1,
        "the jet within dR 0.4 of the muon is removed"
    );
    assert_eq!(kept[0].phi, 1.0);
}

#[test]
fn dilepton_takes_two_muons_then_two_electrons_and_needs_exactly_two() {
    let (m1, m2) = (muon(40.0, 0.1, 0.2, 1), muon(30.0, -0.4, 2.5, -1));
    let e1 = electron(25.0, 1.0, 0.0, -1);
    let ll = Dilepton::of(&[], &[m1, m2]).unwrap();
    let p4 = LorentzVector::sum(&[m1, m2]);
    assert_eq!((ll.mass, ll.pt, ll.charge), (p4.mass(), p4.pt(), 0));
    let emu = Dilepton::of(&[e1], &[m1]).unwrap();
    assert_eq!(emu.charge, 0);
    assert!((emu.delta_r - pc_core::cms::kinematics::delta_r(0.1, 0.2, 1.0, 0.5)).abs() < 1e-12);
    assert!(Dilepton::of(&[e1], &[m1, m2]).is_none(), "three leptons");
    assert!(Dilepton::of(&[], &[m1]).is_none(), "one lepton");
    // Only the first two of each flavour count: three muons are two.
    let m3 = muon(20.0, 2.0, -1.0, 1);
    assert_eq!(
        Dilepton::of(&[], &[m1, m2, m3]),
        Dilepton::of(&[], &[m1, m2])
    );
}
