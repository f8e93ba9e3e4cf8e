//! The NanoAOD (v9, 2018) branch list of the generated `Events` tree: names, types and
//! shapes, each with the rule that fills it from the simulated objects of a cluster.
//!
//! Names and types follow a 2018 NanoAOD (`Muon_pt[nMuon]/F`, `Jet_jetId[nJet]/I`,
//! `Muon_tightId[nMuon]/O`, `nMuon/i`, `event/l`, ...). The default schema has the full
//! field lists of the generated collections, a selection of HLT/L1 bits and all MET
//! filters; `full` adds every HLT/L1 bit of a 2018 menu and the PDF weights.

use super::physics::{
    Electron, EventInfo, FatJet, GenJet, GenPart, Jet, LowJet, Muon, Photon, Tau, round_all_bits,
    round_bits,
};
use super::rng::{Rng, hash_str};
use super::sim::{ClusterData, Coll, GenLep};
use super::triggers::{ALL_HLT, ALL_L1};
use crate::io::{Column, Layout, LeafType, Values};
use crate::run::Element;

/// How an emulated HLT path decides (see `sim::emulate_hlt`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum HltRule {
    Mu {
        thr: f64,
        iso: bool,
        eta: f32,
        eff: f64,
    },
    Ele {
        thr: f64,
        iso: bool,
        eta: f32,
        eff: f64,
    },
    MuMu {
        t1: f64,
        t2: f64,
        eff: f64,
    },
    EleEle {
        t1: f64,
        t2: f64,
        eff: f64,
    },
    MuEle {
        tm: f64,
        te: f64,
        eff: f64,
    },
    Met {
        thr: f64,
    },
    Jet {
        thr: f64,
    },
    Ht {
        thr: f64,
    },
}

const fn mu(thr: f64, iso: bool, eta: f32, eff: f64) -> HltRule {
    HltRule::Mu { thr, iso, eta, eff }
}
const fn ele(thr: f64, iso: bool, eta: f32, eff: f64) -> HltRule {
    HltRule::Ele { thr, iso, eta, eff }
}

/// HLT paths emulated from the reconstructed objects (at most 64).
pub(crate) const PHYS_HLT: &[(&str, HltRule)] = &[
    ("HLT_IsoMu20", mu(20.0, true, 2.4, 0.93)),
    ("HLT_IsoMu24", mu(24.0, true, 2.4, 0.93)),
    ("HLT_IsoMu24_eta2p1", mu(24.0, true, 2.1, 0.92)),
    ("HLT_IsoMu27", mu(27.0, true, 2.4, 0.93)),
    ("HLT_IsoMu30", mu(30.0, true, 2.4, 0.93)),
    ("HLT_Mu8", mu(8.0, false, 2.4, 0.95)),
    ("HLT_Mu17", mu(17.0, false, 2.4, 0.95)),
    ("HLT_Mu50", mu(50.0, false, 2.4, 0.95)),
    ("HLT_TkMu100", mu(100.0, false, 2.4, 0.9)),
    ("HLT_OldMu100", mu(100.0, false, 2.4, 0.94)),
    ("HLT_Mu17_TrkIsoVVL", mu(17.0, true, 2.4, 0.94)),
    (
        "HLT_Mu17_TrkIsoVVL_Mu8_TrkIsoVVL",
        HltRule::MuMu {
            t1: 17.0,
            t2: 8.0,
            eff: 0.93,
        },
    ),
    (
        "HLT_Mu17_TrkIsoVVL_Mu8_TrkIsoVVL_DZ",
        HltRule::MuMu {
            t1: 17.0,
            t2: 8.0,
            eff: 0.91,
        },
    ),
    (
        "HLT_Mu17_TrkIsoVVL_Mu8_TrkIsoVVL_DZ_Mass8",
        HltRule::MuMu {
            t1: 17.0,
            t2: 8.0,
            eff: 0.9,
        },
    ),
    (
        "HLT_Mu17_TrkIsoVVL_Mu8_TrkIsoVVL_DZ_Mass3p8",
        HltRule::MuMu {
            t1: 17.0,
            t2: 8.0,
            eff: 0.9,
        },
    ),
    (
        "HLT_Mu37_TkMu27",
        HltRule::MuMu {
            t1: 37.0,
            t2: 27.0,
            eff: 0.94,
        },
    ),
    ("HLT_Ele27_WPTight_Gsf", ele(27.0, true, 2.5, 0.88)),
    ("HLT_Ele32_WPTight_Gsf", ele(32.0, true, 2.5, 0.88)),
    (
        "HLT_Ele32_WPTight_Gsf_L1DoubleEG",
        ele(32.0, true, 2.5, 0.87),
    ),
    ("HLT_Ele35_WPTight_Gsf", ele(35.0, true, 2.5, 0.88)),
    (
        "HLT_Ele115_CaloIdVT_GsfTrkIdT",
        ele(115.0, false, 2.5, 0.95),
    ),
    (
        "HLT_Ele23_Ele12_CaloIdL_TrackIdL_IsoVL",
        HltRule::EleEle {
            t1: 23.0,
            t2: 12.0,
            eff: 0.94,
        },
    ),
    (
        "HLT_Ele23_Ele12_CaloIdL_TrackIdL_IsoVL_DZ",
        HltRule::EleEle {
            t1: 23.0,
            t2: 12.0,
            eff: 0.92,
        },
    ),
    (
        "HLT_DoubleEle25_CaloIdL_MW",
        HltRule::EleEle {
            t1: 25.0,
            t2: 25.0,
            eff: 0.95,
        },
    ),
    (
        "HLT_DoubleEle33_CaloIdL_MW",
        HltRule::EleEle {
            t1: 33.0,
            t2: 33.0,
            eff: 0.95,
        },
    ),
    (
        "HLT_Mu23_TrkIsoVVL_Ele12_CaloIdL_TrackIdL_IsoVL",
        HltRule::MuEle {
            tm: 23.0,
            te: 12.0,
            eff: 0.92,
        },
    ),
    (
        "HLT_Mu23_TrkIsoVVL_Ele12_CaloIdL_TrackIdL_IsoVL_DZ",
        HltRule::MuEle {
            tm: 23.0,
            te: 12.0,
            eff: 0.9,
        },
    ),
    (
        "HLT_Mu8_TrkIsoVVL_Ele23_CaloIdL_TrackIdL_IsoVL_DZ",
        HltRule::MuEle {
            tm: 8.0,
            te: 23.0,
            eff: 0.9,
        },
    ),
    (
        "HLT_Mu12_TrkIsoVVL_Ele23_CaloIdL_TrackIdL_IsoVL_DZ",
        HltRule::MuEle {
            tm: 12.0,
            te: 23.0,
            eff: 0.9,
        },
    ),
    ("HLT_PFMET120_PFMHT120_IDTight", HltRule::Met { thr: 120.0 }),
    (
        "HLT_PFMETNoMu120_PFMHTNoMu120_IDTight",
        HltRule::Met { thr: 120.0 },
    ),
    ("HLT_PFJet450", HltRule::Jet { thr: 450.0 }),
    ("HLT_PFJet500", HltRule::Jet { thr: 500.0 }),
    ("HLT_PFHT780", HltRule::Ht { thr: 780.0 }),
    ("HLT_PFHT1050", HltRule::Ht { thr: 1050.0 }),
];

/// Other HLT paths of the default schema (random, rare bits).
const DEFAULT_OTHER_HLT: &[&str] = &[
    "HLT_Photon175",
    "HLT_Photon200",
    "HLT_AK8PFJet400_TrimMass30",
    "HLT_DoubleMediumChargedIsoPFTauHPS35_Trk1_eta2p1_Reg",
    "HLT_IsoMu24_eta2p1_MediumChargedIsoPFTauHPS35_Trk1_eta2p1_Reg_CrossL1",
    "HLT_Ele28_eta2p1_WPTight_Gsf_HT150",
    "HLT_PFMET120_PFMHT120_IDTight_PFHT60",
    "HLT_Ele50_CaloIdVT_GsfTrkIdT_PFJet165",
    "HLT_Mu17_Photon30_IsoCaloId",
    "HLT_TripleMu_12_10_5",
    "HLT_Ele23_CaloIdL_TrackIdL_IsoVL_PFJet30",
    "HLT_PFHT330PT30_QuadPFJet_75_60_45_40_TriplePFBTagDeepCSV_4p5",
];

/// L1 seeds of the default schema (random bits).
const DEFAULT_L1: &[&str] = &[
    "L1_SingleMu22",
    "L1_SingleMu25",
    "L1_DoubleMu_15_7",
    "L1_SingleEG36er2p5",
    "L1_SingleIsoEG32er2p1",
    "L1_DoubleEG_25_12_er2p5",
    "L1_ETMHF100",
    "L1_HTT360er",
    "L1_SingleJet180",
];

/// MET filter flags (NanoAOD v9 2018), `Flag_METFilters` last.
pub(crate) const FLAGS: &[&str] = &[
    "Flag_HBHENoiseFilter",
    "Flag_HBHENoiseIsoFilter",
    "Flag_CSCTightHaloFilter",
    "Flag_CSCTightHaloTrkMuUnvetoFilter",
    "Flag_CSCTightHalo2015Filter",
    "Flag_globalTightHalo2016Filter",
    "Flag_globalSuperTightHalo2016Filter",
    "Flag_HcalStripHaloFilter",
    "Flag_hcalLaserEventFilter",
    "Flag_EcalDeadCellTriggerPrimitiveFilter",
    "Flag_EcalDeadCellBoundaryEnergyFilter",
    "Flag_ecalBadCalibFilter",
    "Flag_goodVertices",
    "Flag_eeBadScFilter",
    "Flag_ecalLaserCorrFilter",
    "Flag_trkPOGFilters",
    "Flag_chargedHadronTrackResolutionFilter",
    "Flag_muonBadTrackFilter",
    "Flag_BadChargedCandidateFilter",
    "Flag_BadPFMuonFilter",
    "Flag_BadPFMuonDzFilter",
    "Flag_hfNoisyHitsFilter",
    "Flag_BadChargedCandidateSummer16Filter",
    "Flag_BadPFMuonSummer16Filter",
    "Flag_trkPOG_manystripclus53X",
    "Flag_trkPOG_toomanystripclus53X",
    "Flag_trkPOG_logErrorTooManyClusters",
    "Flag_METFilters",
];

/// The values of one field for the objects of a cluster, written into the buffer of `old`
/// (the same column of an earlier cluster, recycled). Each field's rule is compiled into
/// its own loop, so the per-object closure is inlined rather than called through a pointer.
type FieldFill<T> = Box<dyn Fn(&[T], &mut Rng, Option<Values>) -> Values + Send + Sync>;

/// A named field of objects of type `T`; `mc` fields exist only in simulation.
pub(crate) struct Field<T> {
    name: &'static str,
    mc: bool,
    leaf: LeafType,
    fill: FieldFill<T>,
}

/// Builder methods for fields of one element type each (named so that the closures'
/// return types need no annotation at the call sites).
macro_rules! typed_fields {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(
            &self,
            name: &'static str,
            g: impl Fn(&T, &mut Rng) -> $t + Send + Sync + 'static,
        ) -> Field<T> {
            self.field(name, g)
        }
    )*};
}

/// Typed builder of field tables (lets closures infer their argument type).
struct Tb<T>(std::marker::PhantomData<T>);

impl<T: 'static> Tb<T> {
    fn new() -> Self {
        Tb(std::marker::PhantomData)
    }
    /// A field of element type `V` computed by `g` for every object.
    fn field<V: Element>(
        &self,
        name: &'static str,
        g: impl Fn(&T, &mut Rng) -> V + Send + Sync + 'static,
    ) -> Field<T> {
        self.field_then(name, g, |_| {})
    }
    /// A field computed by `g` for every object, then `then` on all its values.
    fn field_then<V: Element>(
        &self,
        name: &'static str,
        g: impl Fn(&T, &mut Rng) -> V + Send + Sync + 'static,
        then: impl Fn(&mut [V]) + Send + Sync + 'static,
    ) -> Field<T> {
        Field {
            name,
            mc: false,
            leaf: V::LEAF,
            fill: Box::new(move |items, rng, old| {
                let mut v = old.and_then(V::into_vec).unwrap_or_default();
                v.clear();
                v.extend(items.iter().map(|x| g(x, rng)));
                then(&mut v);
                V::from_vec(v)
            }),
        }
    }
    /// A float field stored with `bits` mantissa bits, as NanoAOD does (rounded in one
    /// vectorised pass).
    fn f(
        &self,
        name: &'static str,
        bits: u32,
        g: impl Fn(&T, &mut Rng) -> f32 + Send + Sync + 'static,
    ) -> Field<T> {
        self.field_then(name, g, move |v| round_all_bits(v, bits))
    }
    typed_fields!(i: i32, u: u32, l: u64, b8: u8, o: bool);
}

impl<T> Field<T> {
    fn mc(mut self) -> Self {
        self.mc = true;
        self
    }
}

/// Fills one column for a cluster; the optional column (same branch, previous cluster)
/// lends its buffers so that steady-state generation allocates nothing.
type Filler = Box<dyn Fn(&ClusterData, &mut Rng, Option<Column>) -> Column + Send + Sync>;

/// The parts of a recycled column: name, values, offsets.
fn split(old: Option<Column>) -> (Option<String>, Option<Values>, Option<Vec<u32>>) {
    match old {
        Some(c) => {
            let offsets = match c.layout {
                Layout::Jagged(o) => Some(o),
                _ => None,
            };
            (Some(c.name), Some(c.values), offsets)
        }
        None => (None, None, None),
    }
}

/// `name` in the recycled string if there is one.
fn name_in(old: Option<String>, name: &str) -> String {
    match old {
        Some(mut s) => {
            s.clear();
            s.push_str(name);
            s
        }
        None => name.to_string(),
    }
}

/// A copy of `src` in the recycled buffer if there is one.
fn copy_in<T: Copy>(old: Option<Vec<T>>, src: &[T]) -> Vec<T> {
    match old {
        Some(mut v) => {
            v.clear();
            v.extend_from_slice(src);
            v
        }
        None => src.to_vec(),
    }
}

/// The `U32` buffer of a recycled column, emptied.
fn u32_in(old: Option<Values>) -> Vec<u32> {
    match old {
        Some(Values::U32(mut v)) => {
            v.clear();
            v
        }
        _ => Vec::new(),
    }
}

/// The `Bool` buffer of a recycled column, emptied.
fn bool_in(old: Option<Values>) -> Vec<bool> {
    match old {
        Some(Values::Bool(mut v)) => {
            v.clear();
            v
        }
        _ => Vec::new(),
    }
}

/// One branch of the Events tree and how to fill it for a cluster.
pub(crate) struct Entry {
    pub name: String,
    pub leaf: LeafType,
    /// The counter branch of a counted array.
    pub counter: Option<String>,
    pub fill: Filler,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.name, self.leaf.type_code())
    }
}

fn scalar_entries<T: 'static>(
    out: &mut Vec<Entry>,
    mc: bool,
    fields: Vec<Field<T>>,
    get: fn(&ClusterData) -> &[T],
) {
    for fld in fields.into_iter().filter(|f| mc || !f.mc) {
        let Field {
            name, leaf, fill, ..
        } = fld;
        out.push(Entry {
            name: name.to_string(),
            leaf,
            counter: None,
            fill: Box::new(move |cd, rng, old| {
                let (n, v, _) = split(old);
                Column {
                    name: name_in(n, name),
                    values: fill(get(cd), rng, v),
                    layout: Layout::Scalar,
                }
            }),
        });
    }
}

fn collection<T: 'static>(
    out: &mut Vec<Entry>,
    mc: bool,
    counter: &'static str,
    coll: fn(&ClusterData) -> &Coll<T>,
    fields: Vec<Field<T>>,
) {
    out.push(Entry {
        name: counter.to_string(),
        leaf: LeafType::U32,
        counter: None,
        fill: Box::new(move |cd, _, old| {
            let (n, v, _) = split(old);
            let mut counts = u32_in(v);
            counts.extend(coll(cd).offsets.windows(2).map(|w| w[1] - w[0]));
            Column {
                name: name_in(n, counter),
                values: Values::U32(counts),
                layout: Layout::Scalar,
            }
        }),
    });
    for fld in fields.into_iter().filter(|f| mc || !f.mc) {
        let Field {
            name, leaf, fill, ..
        } = fld;
        out.push(Entry {
            name: name.to_string(),
            leaf,
            counter: Some(counter.to_string()),
            fill: Box::new(move |cd, rng, old| {
                let c = coll(cd);
                let (n, v, o) = split(old);
                Column {
                    name: name_in(n, name),
                    values: fill(&c.items, rng, v),
                    layout: Layout::Jagged(copy_in(o, &c.offsets)),
                }
            }),
        });
    }
}

/// A counted array with the same length `n` in every event (LHE/PS weights).
fn const_array(
    out: &mut Vec<Entry>,
    counter: &'static str,
    name: &'static str,
    n: usize,
    w: fn(usize, f64) -> f32,
) {
    out.push(Entry {
        name: counter.to_string(),
        leaf: LeafType::U32,
        counter: None,
        fill: Box::new(move |cd, _, old| {
            let (nm, v, _) = split(old);
            let mut counts = u32_in(v);
            counts.resize(cd.ev.len(), n as u32);
            Column {
                name: name_in(nm, counter),
                values: Values::U32(counts),
                layout: Layout::Scalar,
            }
        }),
    });
    out.push(Entry {
        name: name.to_string(),
        leaf: LeafType::F32,
        counter: Some(counter.to_string()),
        fill: Box::new(move |cd, rng, old| {
            let events = cd.ev.len();
            let (nm, old_v, old_o) = split(old);
            let mut v = match old_v {
                Some(Values::F32(mut v)) => {
                    v.clear();
                    v
                }
                _ => Vec::with_capacity(events * n),
            };
            for _ in 0..events {
                let delta = rng.normal();
                v.extend((0..n).map(|k| round_bits(w(k, delta), 10)));
            }
            let mut offsets = old_o.unwrap_or_default();
            offsets.clear();
            offsets.extend((0..=events as u32).map(|i| i * n as u32));
            Column {
                name: name_in(nm, name),
                values: Values::F32(v),
                layout: Layout::Jagged(offsets),
            }
        }),
    });
}

fn event_bit(
    out: &mut Vec<Entry>,
    name: &str,
    bit: impl Fn(&EventInfo) -> bool + Send + Sync + 'static,
) {
    let cname = name.to_string();
    out.push(Entry {
        name: name.to_string(),
        leaf: LeafType::Bool,
        counter: None,
        fill: Box::new(move |cd, _, old| {
            let (n, v, _) = split(old);
            let mut bits = bool_in(v);
            bits.extend(cd.ev.iter().map(&bit));
            Column {
                name: name_in(n, &cname),
                values: Values::Bool(bits),
                layout: Layout::Scalar,
            }
        }),
    });
}

/// A rarely-firing bit with a fixed (name-derived) rate; O(rate * events) to fill.
fn sparse_bit(out: &mut Vec<Entry>, name: &str, max_rate: f64) {
    let h = (hash_str(name) >> 11) as f64 / (1u64 << 53) as f64;
    let rate = 2e-4 + max_rate * h * h * h;
    let cname = name.to_string();
    out.push(Entry {
        name: name.to_string(),
        leaf: LeafType::Bool,
        counter: None,
        fill: Box::new(move |cd, rng, old| {
            let n = cd.ev.len();
            let (nm, old_v, _) = split(old);
            let mut v = bool_in(old_v);
            v.resize(n, false);
            let mut i = rng.geometric_gap(rate);
            while i < n as u64 {
                v[i as usize] = true;
                i = i.saturating_add(1 + rng.geometric_gap(rate));
            }
            Column {
                name: name_in(nm, &cname),
                values: Values::Bool(v),
                layout: Layout::Scalar,
            }
        }),
    });
}

fn pf_iso_id(iso: f32) -> u8 {
    [0.4, 0.25, 0.2, 0.15, 0.1, 0.05]
        .iter()
        .filter(|&&c| iso < c)
        .count() as u8
}

fn muon_fields() -> Vec<Field<Muon>> {
    let t = Tb::<Muon>::new();
    vec![
        t.f("Muon_dxy", 10, |m, _| m.dxy),
        t.f("Muon_dxyErr", 8, |m, r| {
            (0.0015 + 0.001 * r.uniform()) as f32 * (1.0 + 3.0 / m.pt)
        }),
        t.f("Muon_dxybs", 10, |m, r| m.dxy + r.gauss(0.0, 0.0008) as f32),
        t.f("Muon_dz", 10, |m, _| m.dz),
        t.f("Muon_dzErr", 6, |m, r| {
            (0.003 + 0.002 * r.uniform()) as f32 * (1.0 + 3.0 / m.pt)
        }),
        t.f("Muon_eta", 12, |m, _| m.eta),
        t.f("Muon_ip3d", 10, |m, _| m.dxy.hypot(m.dz)),
        t.f("Muon_jetPtRelv2", 8, |m, r| {
            if m.jet_idx < 0 {
                0.0
            } else {
                r.exp(3.0) as f32
            }
        }),
        t.f("Muon_jetRelIso", 8, |m, r| {
            if m.jet_idx < 0 {
                m.iso
            } else {
                m.iso + r.exp(0.5) as f32
            }
        }),
        t.f("Muon_mass", 10, |_, _| 0.105_658),
        t.f("Muon_miniPFRelIso_all", 8, |m, r| {
            m.iso * r.range(0.4, 1.0) as f32
        }),
        t.f("Muon_miniPFRelIso_chg", 8, |m, r| {
            m.iso * r.range(0.1, 0.5) as f32
        }),
        t.f("Muon_pfRelIso03_all", 8, |m, r| {
            m.iso * r.range(0.55, 0.9) as f32
        }),
        t.f("Muon_pfRelIso03_chg", 8, |m, r| {
            m.iso * r.range(0.1, 0.5) as f32
        }),
        t.f("Muon_pfRelIso04_all", 8, |m, _| m.iso),
        t.f("Muon_phi", 12, |m, _| m.phi),
        t.f("Muon_pt", 23, |m, _| m.pt),
        t.f("Muon_ptErr", 6, |m, _| m.pt * m.res),
        t.f("Muon_segmentComp", 6, |m, r| {
            if m.tight {
                r.range(0.5, 1.0) as f32
            } else {
                r.uniform() as f32
            }
        }),
        t.f("Muon_sip3d", 10, |m, r| {
            m.dxy.hypot(m.dz) / (0.002 + 0.002 * r.uniform()) as f32
        }),
        t.f("Muon_softMva", 10, |m, r| {
            if m.flav == 1 {
                0.5 + 0.5 * r.uniform() as f32
            } else {
                r.range(-1.0, 0.5) as f32
            }
        }),
        t.f("Muon_tkRelIso", 10, |m, r| m.iso * r.range(0.1, 0.6) as f32),
        t.f("Muon_tunepRelPt", 10, |_, r| r.gauss(1.0, 0.01) as f32),
        t.f("Muon_mvaLowPt", 10, |m, r| {
            if m.flav == 1 {
                0.6 + 0.4 * r.uniform() as f32
            } else {
                r.range(-1.0, 0.6) as f32
            }
        }),
        t.f("Muon_mvaTTH", 10, |m, r| {
            if m.iso < 0.15 {
                0.5 + 0.5 * r.uniform() as f32
            } else {
                r.range(-1.0, 0.3) as f32
            }
        }),
        t.i("Muon_charge", |m, _| m.charge),
        t.i("Muon_jetIdx", |m, _| m.jet_idx),
        t.i("Muon_nStations", |_, r| 2 + r.below(3) as i32),
        t.i("Muon_nTrackerLayers", |_, r| 8 + r.below(10) as i32),
        t.i("Muon_pdgId", |m, _| -13 * m.charge),
        t.i(
            "Muon_tightCharge",
            |_, r| if r.chance(0.99) { 2 } else { 0 },
        ),
        t.i("Muon_fsrPhotonIdx", |_, _| -1),
        t.b8(
            "Muon_highPtId",
            |m, _| if m.pt > 53.0 && m.tight { 2 } else { 0 },
        ),
        t.o("Muon_highPurity", |_, _| true),
        t.o("Muon_inTimeMuon", |_, r| r.chance(0.999)),
        t.o("Muon_isGlobal", |m, _| m.medium),
        t.o("Muon_isPFcand", |_, _| true),
        t.o("Muon_isStandalone", |m, _| m.medium),
        t.o("Muon_isTracker", |_, _| true),
        t.b8("Muon_jetNDauCharged", |m, r| {
            if m.jet_idx < 0 {
                0
            } else {
                1 + r.below(12) as u8
            }
        }),
        t.o("Muon_looseId", |_, _| true),
        t.o("Muon_mediumId", |m, _| m.medium || m.tight),
        t.o("Muon_mediumPromptId", |m, _| {
            m.medium && m.dxy.abs() < 0.02 && m.dz.abs() < 0.1
        }),
        t.b8("Muon_miniIsoId", |m, _| {
            [0.4, 0.2, 0.1, 0.05]
                .iter()
                .filter(|&&c| m.iso * 0.8 < c)
                .count() as u8
        }),
        t.b8("Muon_multiIsoId", |m, _| {
            if m.iso < 0.1 {
                2
            } else if m.iso < 0.2 {
                1
            } else {
                0
            }
        }),
        t.b8(
            "Muon_mvaId",
            |m, _| if m.flav == 1 && m.iso < 0.2 { 3 } else { 0 },
        ),
        t.b8("Muon_mvaLowPtId", |m, _| if m.flav == 1 { 2 } else { 0 }),
        t.b8("Muon_pfIsoId", |m, _| pf_iso_id(m.iso)),
        t.b8("Muon_puppiIsoId", |m, _| pf_iso_id(m.iso * 0.9).min(3)),
        t.o("Muon_softId", |m, _| m.dxy.abs() < 0.3 && m.dz.abs() < 20.0),
        t.o("Muon_softMvaId", |m, _| m.flav == 1),
        t.o("Muon_tightId", |m, _| m.tight),
        t.b8("Muon_tkIsoId", |m, _| {
            if m.iso < 0.05 {
                2
            } else if m.iso < 0.1 {
                1
            } else {
                0
            }
        }),
        t.o("Muon_triggerIdLoose", |_, _| true),
        t.i("Muon_genPartIdx", |m, _| m.gen_idx).mc(),
        t.b8("Muon_genPartFlav", |m, _| m.flav).mc(),
        t.b8("Muon_cleanmask", |_, _| 1),
    ]
}

fn electron_fields() -> Vec<Field<Electron>> {
    let t = Tb::<Electron>::new();
    vec![
        t.f("Electron_dEscaleDown", 8, |e, _| 0.002 * e.pt),
        t.f("Electron_dEscaleUp", 8, |e, _| -0.002 * e.pt),
        t.f("Electron_dEsigmaDown", 8, |e, r| {
            e.pt * r.range(0.001, 0.01) as f32
        }),
        t.f("Electron_dEsigmaUp", 8, |e, r| {
            -e.pt * r.range(0.001, 0.01) as f32
        }),
        t.f("Electron_deltaEtaSC", 10, |e, _| e.deta_sc),
        t.f("Electron_dr03EcalRecHitSumEt", 8, |e, r| {
            e.pt * e.iso * r.range(0.2, 0.6) as f32
        }),
        t.f("Electron_dr03HcalDepth1TowerSumEt", 8, |e, r| {
            e.pt * e.iso * r.range(0.0, 0.3) as f32
        }),
        t.f("Electron_dr03TkSumPt", 8, |e, r| {
            e.pt * e.iso * r.range(0.1, 0.5) as f32
        }),
        t.f("Electron_dr03TkSumPtHEEP", 8, |e, r| {
            e.pt * e.iso * r.range(0.1, 0.5) as f32
        }),
        t.f("Electron_dxy", 10, |e, _| e.dxy),
        t.f("Electron_dxyErr", 8, |_, r| r.range(0.001, 0.01) as f32),
        t.f("Electron_dz", 10, |e, _| e.dz),
        t.f("Electron_dzErr", 8, |_, r| r.range(0.002, 0.02) as f32),
        t.f("Electron_eCorr", 8, |_, r| r.gauss(1.0, 0.02) as f32),
        t.f("Electron_eInvMinusPInv", 8, |_, r| {
            r.gauss(0.0, 0.005) as f32
        }),
        t.f("Electron_energyErr", 6, |e, _| e.pt * e.res * e.eta.cosh()),
        t.f("Electron_eta", 12, |e, _| e.eta),
        t.f("Electron_hoe", 8, |e, r| {
            if e.flav == 1 {
                r.exp(0.01) as f32
            } else {
                r.exp(0.08) as f32
            }
        }),
        t.f("Electron_ip3d", 8, |e, _| e.dxy.hypot(e.dz)),
        t.f("Electron_jetPtRelv2", 8, |e, r| {
            if e.jet_idx < 0 {
                0.0
            } else {
                r.exp(3.0) as f32
            }
        }),
        t.f("Electron_jetRelIso", 8, |e, r| {
            if e.jet_idx < 0 {
                e.iso
            } else {
                e.iso + r.exp(0.5) as f32
            }
        }),
        t.f("Electron_mass", 10, |e, r| {
            (e.pt * 1e-4 * r.uniform() as f32).max(0.000_511)
        }),
        t.f("Electron_miniPFRelIso_all", 8, |e, r| {
            e.iso * r.range(0.4, 1.0) as f32
        }),
        t.f("Electron_miniPFRelIso_chg", 8, |e, r| {
            e.iso * r.range(0.1, 0.5) as f32
        }),
        t.f("Electron_mvaFall17V2Iso", 10, |e, _| e.mva),
        t.f("Electron_mvaFall17V2noIso", 10, |e, r| {
            (e.mva + r.gauss(0.0, 0.05) as f32).clamp(-1.0, 1.0)
        }),
        t.f("Electron_pfRelIso03_all", 8, |e, _| e.iso),
        t.f("Electron_pfRelIso03_chg", 8, |e, r| {
            e.iso * r.range(0.1, 0.6) as f32
        }),
        t.f("Electron_phi", 12, |e, _| e.phi),
        t.f("Electron_pt", 23, |e, _| e.pt),
        t.f("Electron_r9", 8, |e, r| {
            if e.flav == 1 {
                r.range(0.8, 1.0) as f32
            } else {
                r.range(0.3, 1.0) as f32
            }
        }),
        t.f("Electron_scEtOverPt", 8, |_, r| r.gauss(0.0, 0.03) as f32),
        t.f("Electron_sieie", 8, |e, r| {
            if e.eta.abs() < 1.479 {
                r.gauss(0.0095, 0.0008) as f32
            } else {
                r.gauss(0.027, 0.002) as f32
            }
        }),
        t.f("Electron_sip3d", 8, |e, r| {
            e.dxy.hypot(e.dz) / r.range(0.002, 0.01) as f32
        }),
        t.f("Electron_mvaTTH", 8, |e, r| {
            if e.iso < 0.1 && e.mva > 0.5 {
                r.range(0.4, 1.0) as f32
            } else {
                r.range(-1.0, 0.4) as f32
            }
        }),
        t.i("Electron_charge", |e, _| e.charge),
        t.i("Electron_cutBased", |e, _| e.cut_based),
        t.i("Electron_jetIdx", |e, _| e.jet_idx),
        t.i("Electron_pdgId", |e, _| -11 * e.charge),
        t.i("Electron_photonIdx", |_, _| -1),
        t.i(
            "Electron_tightCharge",
            |_, r| if r.chance(0.9) { 2 } else { 1 },
        ),
        t.i("Electron_vidNestedWPBitmap", |e, _| {
            let c = e.cut_based;
            (0..10).fold(0, |acc, k| acc | (c << (3 * k)))
        }),
        t.i("Electron_vidNestedWPBitmapHEEP", |e, _| {
            if e.cut_based >= 3 { 0xFFF } else { 0x7FF }
        }),
        t.o("Electron_convVeto", |e, r| e.flav == 1 || r.chance(0.8)),
        t.o("Electron_cutBased_HEEP", |e, _| {
            e.pt > 35.0 && e.cut_based >= 3
        }),
        t.o("Electron_isPFcand", |_, r| r.chance(0.98)),
        t.b8("Electron_jetNDauCharged", |e, r| {
            if e.jet_idx < 0 {
                0
            } else {
                1 + r.below(12) as u8
            }
        }),
        t.b8("Electron_lostHits", |e, r| {
            if e.flav == 1 || r.chance(0.7) {
                0
            } else {
                1 + r.below(2) as u8
            }
        }),
        t.o("Electron_mvaFall17V2Iso_WP80", |e, _| e.mva > 0.92),
        t.o("Electron_mvaFall17V2Iso_WP90", |e, _| e.mva > 0.8),
        t.o("Electron_mvaFall17V2Iso_WPL", |e, _| e.mva > -0.5),
        t.o("Electron_mvaFall17V2noIso_WP80", |e, _| e.mva > 0.9),
        t.o("Electron_mvaFall17V2noIso_WP90", |e, _| e.mva > 0.75),
        t.o("Electron_mvaFall17V2noIso_WPL", |e, _| e.mva > -0.6),
        t.b8(
            "Electron_seedGain",
            |e, _| if e.pt > 200.0 { 6 } else { 12 },
        ),
        t.i("Electron_genPartIdx", |e, _| e.gen_idx).mc(),
        t.b8("Electron_genPartFlav", |e, _| e.flav).mc(),
        t.b8("Electron_cleanmask", |_, _| 1),
    ]
}

fn jet_fields() -> Vec<Field<Jet>> {
    let t = Tb::<Jet>::new();
    vec![
        t.f("Jet_area", 10, |j, _| j.area),
        t.f("Jet_btagCSVV2", 10, |j, r| {
            (j.btag + r.gauss(0.0, 0.1) as f32).clamp(0.0, 1.0)
        }),
        t.f("Jet_btagDeepB", 10, |j, r| {
            (j.btag + r.gauss(0.0, 0.05) as f32).clamp(0.0, 1.0)
        }),
        t.f("Jet_btagDeepCvB", 10, |j, r| {
            if j.hflav == 5 {
                r.range(0.0, 0.3) as f32
            } else {
                r.range(0.2, 1.0) as f32
            }
        }),
        t.f("Jet_btagDeepCvL", 10, |j, r| {
            if j.hflav == 4 {
                r.range(0.2, 1.0) as f32
            } else {
                r.range(0.0, 0.4) as f32
            }
        }),
        t.f("Jet_btagDeepFlavB", 10, |j, _| j.btag),
        t.f("Jet_btagDeepFlavCvB", 10, |j, r| {
            if j.hflav == 5 {
                r.range(0.0, 0.3) as f32
            } else {
                r.range(0.2, 1.0) as f32
            }
        }),
        t.f("Jet_btagDeepFlavCvL", 10, |j, r| {
            if j.hflav == 4 {
                r.range(0.2, 1.0) as f32
            } else {
                r.range(0.0, 0.4) as f32
            }
        }),
        t.f("Jet_btagDeepFlavQG", 10, |j, r| {
            if j.pflav == 21 {
                r.range(0.0, 0.5) as f32
            } else {
                r.range(0.3, 1.0) as f32
            }
        }),
        t.f("Jet_chEmEF", 6, |j, _| j.ch_em),
        t.f("Jet_chFPV0EF", 6, |j, r| {
            j.ch_had * r.range(0.6, 1.0) as f32
        }),
        t.f("Jet_chHEF", 6, |j, _| j.ch_had),
        t.f("Jet_eta", 12, |j, _| j.eta),
        t.f("Jet_hfsigmaEtaEta", 8, |j, r| {
            if j.eta.abs() > 3.0 {
                r.range(0.01, 0.1) as f32
            } else {
                -1.0
            }
        }),
        t.f("Jet_hfsigmaPhiPhi", 8, |j, r| {
            if j.eta.abs() > 3.0 {
                r.range(0.01, 0.1) as f32
            } else {
                -1.0
            }
        }),
        t.f("Jet_mass", 10, |j, _| j.mass),
        t.f("Jet_muEF", 6, |j, _| j.mu_ef),
        t.f("Jet_muonSubtrFactor", 6, |j, r| {
            if j.mu_idx >= 0 {
                r.range(0.5, 1.0) as f32
            } else {
                1.0
            }
        }),
        t.f("Jet_neEmEF", 6, |j, _| j.ne_em),
        t.f("Jet_neHEF", 6, |j, _| j.ne_had),
        t.f("Jet_phi", 12, |j, _| j.phi),
        t.f("Jet_pt", 23, |j, _| j.pt),
        t.f("Jet_puIdDisc", 10, |j, r| {
            if j.pu_id >= 6 {
                r.range(0.3, 1.0) as f32
            } else {
                r.range(-1.0, 0.3) as f32
            }
        }),
        t.f("Jet_qgl", 10, |j, _| j.qgl),
        t.f("Jet_rawFactor", 6, |j, _| j.raw_factor),
        t.f("Jet_bRegCorr", 10, |j, r| {
            if j.hflav == 5 {
                r.gauss(1.05, 0.08) as f32
            } else {
                r.gauss(1.0, 0.05) as f32
            }
        }),
        t.f("Jet_bRegRes", 6, |_, r| r.range(0.05, 0.2) as f32),
        t.f("Jet_cRegCorr", 10, |_, r| r.gauss(1.0, 0.06) as f32),
        t.f("Jet_cRegRes", 6, |_, r| r.range(0.05, 0.25) as f32),
        t.i("Jet_electronIdx1", |j, _| j.el_idx),
        t.i("Jet_electronIdx2", |_, _| -1),
        t.i("Jet_hfadjacentEtaStripsSize", |j, r| {
            if j.eta.abs() > 3.0 {
                r.below(3) as i32
            } else {
                0
            }
        }),
        t.i("Jet_hfcentralEtaStripSize", |j, r| {
            if j.eta.abs() > 3.0 {
                1 + r.below(3) as i32
            } else {
                0
            }
        }),
        t.i("Jet_jetId", |j, _| j.jet_id),
        t.i("Jet_muonIdx1", |j, _| j.mu_idx),
        t.i("Jet_muonIdx2", |_, _| -1),
        t.i("Jet_nElectrons", |j, _| i32::from(j.el_idx >= 0)),
        t.i("Jet_nMuons", |j, _| i32::from(j.mu_idx >= 0)),
        t.i("Jet_puId", |j, _| j.pu_id),
        t.i("Jet_nConstituents", |j, _| j.n_const),
        t.i("Jet_genJetIdx", |j, _| j.gen_idx).mc(),
        t.i("Jet_hadronFlavour", |j, _| j.hflav).mc(),
        t.i("Jet_partonFlavour", |j, _| j.pflav).mc(),
        t.b8("Jet_cleanmask", |j, _| {
            u8::from(j.mu_idx < 0 && j.el_idx < 0)
        }),
    ]
}

fn tau_fields() -> Vec<Field<Tau>> {
    let t = Tb::<Tau>::new();
    vec![
        t.f("Tau_chargedIso", 10, |x, r| {
            if x.flav == 5 {
                r.exp(1.0) as f32
            } else {
                r.exp(8.0) as f32
            }
        }),
        t.f("Tau_dxy", 10, |_, r| r.gauss(0.0, 0.01) as f32),
        t.f("Tau_dz", 10, |_, r| r.gauss(0.0, 0.02) as f32),
        t.f("Tau_eta", 12, |x, _| x.eta),
        t.f("Tau_leadTkDeltaEta", 8, |_, r| r.gauss(0.0, 0.02) as f32),
        t.f("Tau_leadTkDeltaPhi", 8, |_, r| r.gauss(0.0, 0.02) as f32),
        t.f("Tau_leadTkPtOverTauPt", 8, |_, r| r.range(0.3, 1.0) as f32),
        t.f("Tau_mass", 10, |x, _| x.mass),
        t.f("Tau_neutralIso", 10, |_, r| r.exp(3.0) as f32),
        t.f("Tau_phi", 12, |x, _| x.phi),
        t.f("Tau_photonsOutsideSignalCone", 10, |_, r| {
            if r.chance(0.8) {
                0.0
            } else {
                r.exp(2.0) as f32
            }
        }),
        t.f("Tau_pt", 23, |x, _| x.pt),
        t.f("Tau_puCorr", 10, |_, r| r.exp(5.0) as f32),
        t.f("Tau_rawDeepTau2017v2p1VSe", 10, |x, r| {
            if x.flav == 5 {
                r.range(0.5, 1.0) as f32
            } else {
                r.uniform() as f32
            }
        }),
        t.f("Tau_rawDeepTau2017v2p1VSjet", 10, |x, _| x.vs_jet),
        t.f("Tau_rawDeepTau2017v2p1VSmu", 10, |_, r| {
            (1.0 - 0.1 * r.uniform().powi(3)) as f32
        }),
        t.f("Tau_rawIso", 10, |x, r| {
            if x.flav == 5 {
                r.exp(1.5) as f32
            } else {
                r.exp(10.0) as f32
            }
        }),
        t.f("Tau_rawIsodR03", 10, |x, r| {
            if x.flav == 5 {
                r.exp(1.0) as f32
            } else {
                r.exp(7.0) as f32
            }
        }),
        t.i("Tau_charge", |x, _| x.charge),
        t.i("Tau_decayMode", |x, _| x.decay_mode),
        t.i("Tau_jetIdx", |x, _| x.jet_idx),
        t.o("Tau_idAntiEleDeadECal", |_, r| r.chance(0.98)),
        t.b8("Tau_idAntiMu", |_, r| if r.chance(0.95) { 3 } else { 1 }),
        t.o("Tau_idDecayModeOldDMs", |x, _| x.decay_mode < 11),
        t.b8("Tau_idDeepTau2017v2p1VSe", |x, r| {
            if x.flav == 5 {
                255 >> r.below(3)
            } else {
                255 >> (2 + r.below(6))
            }
        }),
        t.b8("Tau_idDeepTau2017v2p1VSjet", |x, _| {
            let cuts = [0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95, 0.98];
            let n = cuts.iter().filter(|&&c| x.vs_jet > c).count();
            ((1u16 << n) - 1) as u8
        }),
        t.b8("Tau_idDeepTau2017v2p1VSmu", |_, r| {
            if r.chance(0.95) { 15 } else { 3 }
        }),
        t.i("Tau_genPartIdx", |x, _| x.gen_idx).mc(),
        t.b8("Tau_genPartFlav", |x, _| x.flav).mc(),
        t.b8("Tau_cleanmask", |_, _| 1),
    ]
}

fn photon_fields() -> Vec<Field<Photon>> {
    let t = Tb::<Photon>::new();
    vec![
        t.f("Photon_eCorr", 8, |_, r| r.gauss(1.0, 0.02) as f32),
        t.f("Photon_energyErr", 6, |p, r| {
            p.pt * p.eta.cosh() * r.range(0.01, 0.05) as f32
        }),
        t.f("Photon_eta", 12, |p, _| p.eta),
        t.f("Photon_hoe", 8, |p, r| {
            if p.flav == 1 {
                r.exp(0.01) as f32
            } else {
                r.exp(0.1) as f32
            }
        }),
        t.f("Photon_mass", 10, |_, _| 0.0),
        t.f("Photon_mvaID", 10, |p, _| p.mva),
        t.f("Photon_pfRelIso03_all", 8, |p, _| p.iso),
        t.f("Photon_pfRelIso03_chg", 8, |p, r| {
            p.iso * r.range(0.1, 0.6) as f32
        }),
        t.f("Photon_phi", 12, |p, _| p.phi),
        t.f("Photon_pt", 23, |p, _| p.pt),
        t.f("Photon_r9", 8, |p, r| {
            if p.flav == 1 {
                r.range(0.85, 1.0) as f32
            } else {
                r.range(0.3, 1.0) as f32
            }
        }),
        t.f("Photon_sieie", 8, |p, r| {
            if p.eta.abs() < 1.479 {
                r.gauss(0.0095, 0.001) as f32
            } else {
                r.gauss(0.027, 0.002) as f32
            }
        }),
        t.i("Photon_charge", |_, _| 0),
        t.i("Photon_cutBased", |p, _| {
            if p.flav == 1 {
                3
            } else if p.iso < 0.3 {
                1
            } else {
                0
            }
        }),
        t.i("Photon_electronIdx", |_, _| -1),
        t.i("Photon_jetIdx", |p, _| p.jet_idx),
        t.i("Photon_pdgId", |_, _| 22),
        t.i("Photon_vidNestedWPBitmap", |p, _| {
            if p.flav == 1 { 0x3FFF } else { 0x0555 }
        }),
        t.o("Photon_electronVeto", |_, r| r.chance(0.95)),
        t.o("Photon_isScEtaEB", |p, _| p.eta.abs() < 1.4442),
        t.o("Photon_isScEtaEE", |p, _| p.eta.abs() > 1.566),
        t.o("Photon_mvaID_WP80", |p, _| p.mva > 0.42),
        t.o("Photon_mvaID_WP90", |p, _| p.mva > -0.02),
        t.o("Photon_pixelSeed", |_, r| r.chance(0.05)),
        t.b8("Photon_seedGain", |_, _| 12),
        t.i("Photon_genPartIdx", |_, _| -1).mc(),
        t.b8("Photon_genPartFlav", |p, _| p.flav).mc(),
        t.b8("Photon_cleanmask", |_, _| 1),
    ]
}

fn genjet_fields() -> Vec<Field<GenJet>> {
    let t = Tb::<GenJet>::new();
    vec![
        t.f("GenJet_eta", 10, |g, _| g.eta),
        t.f("GenJet_mass", 8, |g, _| g.mass),
        t.f("GenJet_phi", 10, |g, _| g.phi),
        t.f("GenJet_pt", 10, |g, _| g.pt),
        t.i("GenJet_partonFlavour", |g, _| g.pflav),
        t.b8("GenJet_hadronFlavour", |g, _| g.hflav),
    ]
}

fn genpart_fields() -> Vec<Field<GenPart>> {
    let t = Tb::<GenPart>::new();
    vec![
        t.f("GenPart_eta", 8, |g, _| g.eta),
        t.f("GenPart_mass", 8, |g, _| g.mass),
        t.f("GenPart_phi", 8, |g, _| g.phi),
        t.f("GenPart_pt", 8, |g, _| g.pt),
        t.i("GenPart_genPartIdxMother", |g, _| g.mother),
        t.i("GenPart_pdgId", |g, _| g.pdg),
        t.i("GenPart_status", |g, _| g.status),
        t.i("GenPart_statusFlags", |g, _| g.flags),
    ]
}

fn genlep_fields() -> Vec<Field<GenLep>> {
    let t = Tb::<GenLep>::new();
    vec![
        t.f("GenDressedLepton_eta", 10, |g, _| g.eta),
        t.f("GenDressedLepton_mass", 8, |g, _| g.mass),
        t.f("GenDressedLepton_phi", 10, |g, _| g.phi),
        t.f("GenDressedLepton_pt", 10, |g, r| {
            g.pt * (1.0 + r.exp(0.005) as f32)
        }),
        t.i("GenDressedLepton_pdgId", |g, _| g.pdg),
        t.o("GenDressedLepton_hasTauAnc", |g, _| g.from_tau),
    ]
}

fn lowjet_fields() -> Vec<Field<LowJet>> {
    let t = Tb::<LowJet>::new();
    vec![
        t.f("CorrT1METJet_area", 10, |j, _| j.area),
        t.f("CorrT1METJet_eta", 12, |j, _| j.eta),
        t.f("CorrT1METJet_muonSubtrFactor", 8, |j, _| j.mu_sub),
        t.f("CorrT1METJet_phi", 12, |j, _| j.phi),
        t.f("CorrT1METJet_rawPt", 10, |j, _| j.raw_pt),
    ]
}

fn fatjet_fields() -> Vec<Field<FatJet>> {
    let t = Tb::<FatJet>::new();
    vec![
        t.f("FatJet_area", 10, |j, _| j.area),
        t.f("FatJet_btagDDBvLV2", 10, |j, _| j.btag * 0.8),
        t.f("FatJet_btagDeepB", 10, |j, _| j.btag),
        t.f("FatJet_btagHbb", 10, |_, r| r.range(-1.0, 0.5) as f32),
        t.f("FatJet_deepTagMD_TvsQCD", 10, |j, r| {
            if j.top {
                r.range(0.5, 1.0) as f32
            } else {
                r.range(0.0, 0.5) as f32
            }
        }),
        t.f("FatJet_deepTagMD_WvsQCD", 10, |_, r| r.uniform() as f32),
        t.f("FatJet_deepTag_TvsQCD", 10, |j, r| {
            if j.top {
                r.range(0.6, 1.0) as f32
            } else {
                r.range(0.0, 0.4) as f32
            }
        }),
        t.f("FatJet_deepTag_WvsQCD", 10, |_, r| r.uniform() as f32),
        t.f("FatJet_eta", 12, |j, _| j.eta),
        t.f("FatJet_mass", 10, |j, _| j.mass),
        t.f("FatJet_msoftdrop", 10, |j, _| j.msd),
        t.f("FatJet_n2b1", 10, |_, r| r.range(0.1, 0.4) as f32),
        t.f("FatJet_n3b1", 10, |_, r| r.range(0.5, 3.0) as f32),
        t.f("FatJet_particleNet_TvsQCD", 10, |j, r| {
            if j.top {
                r.range(0.7, 1.0) as f32
            } else {
                r.range(0.0, 0.3) as f32
            }
        }),
        t.f("FatJet_particleNet_WvsQCD", 10, |_, r| r.uniform() as f32),
        t.f("FatJet_phi", 12, |j, _| j.phi),
        t.f("FatJet_pt", 23, |j, _| j.pt),
        t.f("FatJet_rawFactor", 6, |j, _| j.raw_factor),
        t.f("FatJet_tau1", 10, |_, r| r.range(0.1, 0.5) as f32),
        t.f("FatJet_tau2", 10, |j, r| j.tau21 * r.range(0.1, 0.4) as f32),
        t.f("FatJet_tau3", 10, |_, r| r.range(0.03, 0.2) as f32),
        t.f("FatJet_tau4", 10, |_, r| r.range(0.02, 0.15) as f32),
        t.i("FatJet_jetId", |_, _| 6),
        t.i("FatJet_subJetIdx1", |_, _| -1),
        t.i("FatJet_subJetIdx2", |_, _| -1),
    ]
}

fn head_fields() -> Vec<Field<EventInfo>> {
    let t = Tb::<EventInfo>::new();
    vec![
        t.u("run", |e, _| e.run),
        t.u("luminosityBlock", |e, _| e.lumi),
        t.l("event", |e, _| e.event),
        t.f("HTXS_Higgs_pt", 10, |_, _| 0.0).mc(),
        t.f("HTXS_Higgs_y", 10, |_, _| 0.0).mc(),
        t.f("btagWeight_DeepCSVB", 10, |e, r| {
            if e.ttbar {
                r.gauss(0.95, 0.05) as f32
            } else {
                r.gauss(1.0, 0.02) as f32
            }
        })
        .mc(),
        t.f("Generator_binvar", 10, |e, _| e.lhe_vpt).mc(),
        t.f("Generator_scalePDF", 10, |e, _| e.scale).mc(),
        t.f("Generator_weight", 23, |e, _| e.weight).mc(),
        t.f("Generator_x1", 10, |e, _| e.x1).mc(),
        t.f("Generator_x2", 10, |e, _| e.x2).mc(),
        t.f("Generator_xpdf1", 10, |e, r| {
            (e.x1 * r.range(0.5, 2.0) as f32).min(1.0)
        })
        .mc(),
        t.f("Generator_xpdf2", 10, |e, r| {
            (e.x2 * r.range(0.5, 2.0) as f32).min(1.0)
        })
        .mc(),
        t.i("Generator_id1", |e, _| e.id1).mc(),
        t.i("Generator_id2", |e, _| e.id2).mc(),
        t.f("genWeight", 23, |e, _| e.weight).mc(),
        t.f("LHEWeight_originalXWGTUP", 23, |e, _| e.weight).mc(),
        t.f("LHE_HT", 10, |e, _| e.lhe_ht).mc(),
        t.f("LHE_HTIncoming", 10, |e, r| {
            e.lhe_ht * r.range(0.3, 1.0) as f32
        })
        .mc(),
        t.f("LHE_Vpt", 10, |e, _| e.lhe_vpt).mc(),
        t.b8("LHE_Njets", |e, _| e.lhe_njets).mc(),
        t.b8("LHE_Nb", |e, _| e.lhe_nb).mc(),
        t.b8("LHE_Nc", |_, r| u8::from(r.chance(0.05))).mc(),
        t.b8("LHE_Nuds", |e, _| e.lhe_njets.saturating_sub(e.lhe_nb) / 2)
            .mc(),
        t.b8("LHE_Nglu", |e, _| {
            e.lhe_njets.saturating_sub(e.lhe_nb).div_ceil(2)
        })
        .mc(),
        t.b8("LHE_NpNLO", |e, _| e.lhe_njets.min(2)).mc(),
        t.b8("LHE_NpLO", |e, _| e.lhe_njets.min(2)).mc(),
    ]
}

fn tail_fields() -> Vec<Field<EventInfo>> {
    let t = Tb::<EventInfo>::new();
    vec![
        t.f("CaloMET_phi", 12, |e, r| {
            wrapf(e.met.1 + r.gauss(0.0, 0.3) as f32)
        }),
        t.f("CaloMET_pt", 10, |e, r| {
            (e.met.0 * r.gauss(0.9, 0.2) as f32).abs()
        }),
        t.f("CaloMET_sumEt", 10, |e, _| e.sum_et * 0.7),
        t.f("ChsMET_phi", 12, |e, _| e.raw_met.1),
        t.f("ChsMET_pt", 10, |e, r| {
            e.raw_met.0 * r.gauss(1.0, 0.05) as f32
        }),
        t.f("ChsMET_sumEt", 10, |e, _| e.sum_et * 0.8),
        t.f("GenMET_phi", 12, |e, _| e.gen_met.1).mc(),
        t.f("GenMET_pt", 10, |e, _| e.gen_met.0).mc(),
        t.i("genTtbarId", |e, r| {
            if e.ttbar {
                [0, 51, 52, 53, 41][r.below(5) as usize]
            } else {
                -1
            }
        })
        .mc(),
        t.f("MET_MetUnclustEnUpDeltaX", 10, |_, r| {
            r.gauss(0.0, 1.5) as f32
        }),
        t.f("MET_MetUnclustEnUpDeltaY", 10, |_, r| {
            r.gauss(0.0, 1.5) as f32
        }),
        t.f("MET_covXX", 8, |e, _| 40.0 + 5.0 * e.n_true + 0.25 * e.ht),
        t.f("MET_covXY", 8, |_, r| r.gauss(0.0, 20.0) as f32),
        t.f("MET_covYY", 8, |e, _| 40.0 + 5.0 * e.n_true + 0.25 * e.ht),
        t.f("MET_phi", 12, |e, _| e.met.1),
        t.f("MET_pt", 23, |e, _| e.met.0),
        t.f("MET_significance", 10, |e, _| {
            e.met.0 * e.met.0 / (40.0 + 5.0 * e.n_true + 0.25 * e.ht)
        }),
        t.f("MET_sumEt", 10, |e, _| e.sum_et),
        t.f("MET_fiducialGenPhi", 10, |e, _| e.gen_met.1).mc(),
        t.f("MET_fiducialGenPt", 10, |e, _| e.gen_met.0).mc(),
        t.f("Pileup_nTrueInt", 23, |e, _| e.n_true).mc(),
        t.f("Pileup_pudensity", 8, |e, r| {
            (0.02 * e.n_true) * r.range(0.7, 1.3) as f32
        })
        .mc(),
        t.f("Pileup_gpudensity", 8, |e, r| {
            (0.025 * e.n_true) * r.range(0.7, 1.3) as f32
        })
        .mc(),
        t.i("Pileup_nPU", |e, _| e.n_pu).mc(),
        t.i("Pileup_sumEOOT", |e, r| {
            r.poisson(f64::from(e.n_true)) as i32
        })
        .mc(),
        t.i("Pileup_sumLOOT", |e, r| {
            r.poisson(f64::from(e.n_true)) as i32
        })
        .mc(),
        t.f("PuppiMET_phi", 12, |e, r| {
            wrapf(e.met.1 + r.gauss(0.0, 0.15) as f32)
        }),
        t.f("PuppiMET_pt", 10, |e, r| {
            (e.met.0 + r.gauss(0.0, 8.0) as f32).abs()
        }),
        t.f("PuppiMET_sumEt", 10, |e, _| e.sum_et * 0.6),
        t.f("RawMET_phi", 12, |e, _| e.raw_met.1),
        t.f("RawMET_pt", 23, |e, _| e.raw_met.0),
        t.f("RawMET_sumEt", 10, |e, _| e.sum_et * 0.9),
        t.f("fixedGridRhoFastjetAll", 10, |e, _| e.rho),
        t.f("fixedGridRhoFastjetCentral", 10, |e, r| {
            e.rho * r.range(0.9, 1.05) as f32
        }),
        t.f("fixedGridRhoFastjetCentralCalo", 10, |e, r| {
            e.rho * r.range(0.6, 0.8) as f32
        }),
        t.f("fixedGridRhoFastjetCentralChargedPileUp", 10, |e, r| {
            e.rho * r.range(0.4, 0.6) as f32
        }),
        t.f("fixedGridRhoFastjetCentralNeutral", 10, |e, r| {
            e.rho * r.range(0.15, 0.3) as f32
        }),
        t.f("SoftActivityJetHT", 10, |e, r| {
            0.1 * e.ht + r.exp(10.0) as f32
        }),
        t.f("SoftActivityJetHT10", 10, |e, r| {
            r.exp(5.0) as f32 + 0.02 * e.ht
        }),
        t.f("SoftActivityJetHT2", 10, |e, r| {
            r.exp(12.0) as f32 + 0.1 * e.ht
        }),
        t.f("SoftActivityJetHT5", 10, |e, r| {
            r.exp(8.0) as f32 + 0.05 * e.ht
        }),
        t.i("SoftActivityJetNjets10", |_, r| r.poisson(0.5) as i32),
        t.i("SoftActivityJetNjets2", |_, r| r.poisson(4.0) as i32),
        t.i("SoftActivityJetNjets5", |_, r| r.poisson(1.5) as i32),
        t.f("TkMET_phi", 12, |e, r| {
            wrapf(e.met.1 + r.gauss(0.0, 0.5) as f32)
        }),
        t.f("TkMET_pt", 10, |e, r| {
            (e.met.0 * r.range(0.3, 1.2) as f32).abs()
        }),
        t.f("TkMET_sumEt", 10, |e, _| e.sum_et * 0.4),
        t.f("PV_ndof", 10, |e, r| {
            (2 * e.npvs) as f32 + r.range(30.0, 150.0) as f32
        }),
        t.f("PV_x", 10, |_, r| r.gauss(0.0107, 0.0012) as f32),
        t.f("PV_y", 10, |_, r| r.gauss(0.0417, 0.0012) as f32),
        t.f("PV_z", 10, |e, _| e.pv_z),
        t.f("PV_chi2", 8, |_, r| r.gauss(1.0, 0.1) as f32),
        t.f("PV_score", 10, |e, r| {
            (e.ht + 100.0) * (e.ht + 100.0) * r.range(0.5, 1.5) as f32
        }),
        t.i("PV_npvs", |e, _| e.npvs),
        t.i("PV_npvsGood", |e, _| e.npvs_good),
    ]
}

fn wrapf(phi: f32) -> f32 {
    super::physics::wrap_phi(f64::from(phi)) as f32
}

/// The branches of the `Events` tree, in order, for simulation (`mc`) or data.
pub(crate) fn events_schema(mc: bool, full: bool) -> Vec<Entry> {
    let mut out = Vec::with_capacity(1600);
    scalar_entries(&mut out, mc, head_fields(), |cd| &cd.ev);
    if mc {
        const_array(&mut out, "nLHEScaleWeight", "LHEScaleWeight", 9, |k, d| {
            // muR x muF variations, index 4 nominal
            const S: [f64; 9] = [1.15, 1.1, 1.04, 1.05, 1.0, 0.96, 0.95, 0.9, 0.86];
            (1.0 + (S[k] - 1.0) * (1.0 + 0.3 * d)) as f32
        });
        if full {
            const_array(&mut out, "nLHEPdfWeight", "LHEPdfWeight", 33, |k, d| {
                if k == 0 {
                    1.0
                } else {
                    (1.0 + 0.012 * d * ((k as f64) * 0.7).sin()) as f32
                }
            });
        }
        const_array(&mut out, "nPSWeight", "PSWeight", 4, |k, d| {
            const S: [f64; 4] = [1.03, 1.05, 0.97, 0.95];
            (1.0 + (S[k] - 1.0) * (1.0 + 0.5 * d)) as f32
        });
    }
    collection(
        &mut out,
        mc,
        "nCorrT1METJet",
        |cd| &cd.lowjets,
        lowjet_fields(),
    );
    collection(
        &mut out,
        mc,
        "nElectron",
        |cd| &cd.electrons,
        electron_fields(),
    );
    collection(&mut out, mc, "nFatJet", |cd| &cd.fatjets, fatjet_fields());
    if mc {
        collection(&mut out, mc, "nGenJet", |cd| &cd.genjets, genjet_fields());
        collection(
            &mut out,
            mc,
            "nGenPart",
            |cd| &cd.genparts,
            genpart_fields(),
        );
        collection(
            &mut out,
            mc,
            "nGenDressedLepton",
            |cd| &cd.genleps,
            genlep_fields(),
        );
    }
    collection(&mut out, mc, "nJet", |cd| &cd.jets, jet_fields());
    collection(&mut out, mc, "nMuon", |cd| &cd.muons, muon_fields());
    collection(&mut out, mc, "nPhoton", |cd| &cd.photons, photon_fields());
    collection(&mut out, mc, "nTau", |cd| &cd.taus, tau_fields());
    scalar_entries(&mut out, mc, tail_fields(), |cd| &cd.ev);

    // Filters: bit i of flags_failed; METFilters = all pass.
    for (i, name) in FLAGS.iter().enumerate() {
        if *name == "Flag_METFilters" {
            event_bit(&mut out, name, |e| e.flags_failed == 0);
        } else {
            event_bit(&mut out, name, move |e| e.flags_failed & (1 << i) == 0);
        }
    }
    // Triggers: L1 first, then HLT (NanoAOD order).
    let l1: &[&str] = if full { ALL_L1 } else { DEFAULT_L1 };
    for name in l1 {
        sparse_bit(&mut out, name, 0.3);
    }
    let emulated = |n: &str| PHYS_HLT.iter().position(|(p, _)| *p == n);
    let mut hlt: Vec<&str> = PHYS_HLT.iter().map(|p| p.0).collect();
    if full {
        hlt = ALL_HLT.to_vec();
        for (p, _) in PHYS_HLT {
            if !hlt.contains(p) {
                hlt.push(p);
            }
        }
    } else {
        hlt.extend_from_slice(DEFAULT_OTHER_HLT);
    }
    for name in hlt {
        match emulated(name) {
            Some(i) => event_bit(&mut out, name, move |e| e.hlt & (1 << i) != 0),
            None => sparse_bit(&mut out, name, 0.05),
        }
    }
    out
}
