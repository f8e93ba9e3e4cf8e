//! The DSL's weights, variations and histogram forms on a real NanoAOD file, against the
//! same numbers computed by hand from the columns: Up/Down and multi-variation weights,
//! inclusive / per-category / per-sample weights, a `#[calibrate]` shape variation that
//! re-runs the selection, all-objects and k-th-object axes, 2-D and string-category axes.

use std::collections::BTreeMap;
use std::path::Path;

use pc_core::config::Params;
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::io::{Layout, ReadOptions, RootFile, Values};
use pc_core::run::{RunError, RunOptions, RunResult, run};

use crate::common;

#[pc_core::prelude::processor(name = "features", schema = "nanoaod_v7")]
mod features {
    use pc_core::prelude::*;

    #[collection(prefix = "Muon")]
    #[derive(Clone, Copy, Debug)]
    pub struct Muon {
        pub pt: f32,
        pub eta: f32,
        pub charge: i32,
    }

    #[event]
    #[derive(Clone, Copy, Debug)]
    pub struct Event {
        #[mc]
        #[branch("genWeight")]
        pub gen_weight: f32,
    }

    /// Muon pT scale: x1.1 Up, x0.9 Down.
    #[calibrate(variations = [muon_scale])]
    pub fn muon_scale(muons: &mut [Muon], shift: Shift) {
        let f: f32 = match shift {
            Shift::Nominal => 1.0,
            Shift::Up(_) => 1.1,
            Shift::Down(_) => 0.9,
        };
        for m in muons {
            m.pt *= f;
        }
    }

    pub struct Selected(pub Vec<Muon>);

    #[produce]
    pub fn selected(muons: &[Muon]) -> Selected {
        Selected(muons.iter().filter(|m| m.pt > 20.0).copied().collect())
    }

    #[preselect]
    pub fn one_muon(s: &Selected) -> bool {
        !s.0.is_empty()
    }

    #[cut]
    pub fn always() -> bool {
        true
    }

    #[cut]
    pub fn two_muons(s: &Selected) -> bool {
        s.0.len() >= 2
    }

    #[cut]
    pub fn barrel(s: &Selected) -> bool {
        s.0[0].eta.abs() < 1.2
    }

    #[cut]
    pub fn endcap(s: &Selected) -> bool {
        s.0[0].eta.abs() >= 1.2
    }

    categories! {
        all = [always];
        dimuon = [two_muons];
        [always, two_muons] * [barrel, endcap];
    }

    subsamples! {
        "DYJetsToLL" = { central = [barrel]; any = [always] };
        "SomeOtherSample" = { unused = [always] };
    }

    #[weight]
    pub fn gen_weight(ev: &Event) -> f64 {
        f64::from(ev.gen_weight)
    }

    #[weight]
    pub fn flat() -> UpDown {
        UpDown {
            nominal: 1.0,
            up: 1.5,
            down: 0.5,
        }
    }

    #[weight(variations = [a, b])]
    pub fn multi() -> Multi<2> {
        Multi {
            nominal: 2.0,
            up: [3.0, 4.0],
            down: [1.0, 0.0],
        }
    }

    #[weight]
    pub fn dimuon_only() -> f64 {
        0.25
    }

    #[weight]
    pub fn other_sample() -> f64 {
        100.0
    }

    weights! {
        inclusive = [gen_weight, flat, multi];
        dimuon = [dimuon_only];
        "SomeOtherSample" = [other_sample];
    }

    histogram! {
        pt_all: Regular(20, 0.0, 200.0, "pt") = |s: &Selected| s.0.iter().map(|m| m.pt), in [all, dimuon];
        pt_2: Regular(20, 0.0, 200.0, "pt") = |s: &Selected| s.0.get(1).map(|m| m.pt), in [all, dimuon];
        pt_eta: (Regular(20, 0.0, 200.0, "pt"), Regular(10, -2.5, 2.5, "eta")) =
            |s: &Selected| s.0.iter().map(|m| (m.pt, m.eta)), in [all, dimuon];
        charge: StrCategory(["plus", "minus"], "charge") =
            |s: &Selected| s.0.first().map(|m| if m.charge > 0 { "plus" } else { "minus" }),
            in [all, dimuon];
    }
}

const LABELS: [&str; 9] = [
    "flatDown",
    "flatUp",
    "multi_aDown",
    "multi_aUp",
    "multi_bDown",
    "multi_bUp",
    "muon_scaleDown",
    "muon_scaleUp",
    "nominal",
];

/// Regular-axis flow bin, as boost-histogram computes it.
fn regular(x: f64, bins: usize, lo: f64, hi: f64) -> usize {
    let z = (x - lo) / (hi - lo);
    if z >= 1.0 || z.is_nan() {
        bins + 1
    } else if z < 0.0 {
        0
    } else {
        (z * bins as f64) as usize + 1
    }
}

/// On the real DY file (40 events) and a generated one (20k events, for statistics).
#[test]
fn weights_variations_and_histogram_forms_match_a_hand_computation() {
    let generated = std::env::temp_dir().join(format!("pc-features-{}.root", std::process::id()));
    let mut gen_opts = GenerateOptions::new(SampleKind::DrellYan, 20_000);
    gen_opts.codec = "lz4".parse().unwrap();
    generate(&generated, &gen_opts).unwrap();
    let real = common::shared_data().join("nanoaod/nano_dy.root");
    for (file, min_presel) in [(real, 1), (generated.clone(), 1000)] {
        check_file(&file, min_presel);
    }
    std::fs::remove_file(generated).unwrap();
}

/// Runs `features` on `file` (one thread) with `yaml` merged over the default parameters.
fn run_features(file: &Path, yaml: &str) -> Result<RunResult, RunError> {
    let ds = common::mc_dataset("DYJetsToLL", file);
    let params = Params::builder()
        .dir("data_dir", common::shared_data())
        .yaml("test", yaml)
        .load()
        .unwrap();
    let opts = RunOptions {
        threads: 1,
        chunk_size: 100_000,
    };
    run(&features::Processor, &[ds], &params, &opts)
}

fn check_file(file: &Path, min_presel: u64) {
    let result = run_features(file, "{}").unwrap();
    assert!(result.failed.is_empty());
    assert_eq!(result.output.spec.variations, LABELS);
    assert_eq!(features::Variation::ALL.len(), LABELS.len());
    assert_eq!(features::Variation::muon_scaleUp.label(), "muon_scaleUp");
    let out = &result.output.datasets[0].1;

    // The same numbers by hand, from the columns.
    let tree = RootFile::open(file).unwrap().tree("Events").unwrap();
    let n = tree.entries();
    let cols = tree
        .read(
            &["Muon_pt", "Muon_eta", "Muon_charge", "genWeight"],
            0..n,
            ReadOptions::default(),
        )
        .unwrap();
    let (Values::F32(pt), Layout::Jagged(off)) = (&cols[0].values, &cols[0].layout) else {
        panic!()
    };
    let (Values::F32(eta), Values::I32(charge), Values::F32(genw)) =
        (&cols[1].values, &cols[2].values, &cols[3].values)
    else {
        panic!()
    };
    let slot = |l: &str| LABELS.iter().position(|x| *x == l).unwrap();
    // (group, histogram, category, variation slot, value-axes flat bin) -> Σw
    let mut want: BTreeMap<(usize, &str, usize, usize, usize), f64> = BTreeMap::new();
    let mut presel = [0u64; 3];
    // Nominal events in the cartesian categories always_barrel, always_endcap,
    // two_muons_barrel, two_muons_endcap.
    let mut cartesian = [0u64; 4];
    let mut sum_gen = 0.0;
    for e in 0..n as usize {
        let g = f64::from(genw[e]);
        sum_gen += g;
        for (s, f) in [(0usize, 1.0f32), (1, 1.1), (2, 0.9)] {
            let sel: Vec<(f32, f32, i32)> = (off[e] as usize..off[e + 1] as usize)
                .map(|j| (pt[j] * f, eta[j], charge[j]))
                .filter(|m| m.0 > 20.0)
                .collect();
            if sel.is_empty() {
                continue;
            }
            presel[s] += 1;
            if s == 0 {
                let endcap = usize::from(sel[0].1.abs() >= 1.2);
                cartesian[endcap] += 1;
                if sel.len() >= 2 {
                    cartesian[2 + endcap] += 1;
                }
            }
            for (cat, extra) in [(0usize, 1.0), (1, 0.25)] {
                if cat == 1 && sel.len() < 2 {
                    continue;
                }
                let nominal = g * 1.0 * 2.0 * extra;
                let weights: Vec<(usize, f64)> = match s {
                    0 => vec![
                        (slot("nominal"), nominal),
                        (slot("flatUp"), g * 1.5 * 2.0 * extra),
                        (slot("flatDown"), g * 0.5 * 2.0 * extra),
                        (slot("multi_aUp"), g * 3.0 * extra),
                        (slot("multi_aDown"), g * extra),
                        (slot("multi_bUp"), g * 4.0 * extra),
                        (slot("multi_bDown"), 0.0),
                    ],
                    1 => vec![(slot("muon_scaleUp"), nominal)],
                    _ => vec![(slot("muon_scaleDown"), nominal)],
                };
                // Groups: DYJetsToLL__central (leading muon in the barrel), DYJetsToLL__any.
                let central = sel[0].1.abs() < 1.2;
                for (g, &(v, w)) in [0, 1]
                    .into_iter()
                    .filter(|&g| g == 1 || central)
                    .flat_map(|g| weights.iter().map(move |vw| (g, vw)))
                {
                    let mut add = |h, bin| *want.entry((g, h, cat, v, bin)).or_default() += w;
                    for m in &sel {
                        let ipt = regular(f64::from(m.0), 20, 0.0, 200.0);
                        add("pt_all", ipt);
                        add("pt_eta", ipt * 12 + regular(f64::from(m.1), 10, -2.5, 2.5));
                    }
                    if let Some(m) = sel.get(1) {
                        add("pt_2", regular(f64::from(m.0), 20, 0.0, 200.0));
                    }
                    add("charge", if sel[0].2 > 0 { 0 } else { 1 });
                }
            }
        }
    }
    assert!(
        presel[1] >= presel[0] && presel[0] >= presel[2] && presel[2] >= min_presel,
        "{presel:?}"
    );
    assert_eq!(out.presel(), presel);
    let spec = &result.output.spec;
    assert_eq!(
        spec.categories[2..],
        [
            "always_barrel",
            "always_endcap",
            "two_muons_barrel",
            "two_muons_endcap"
        ]
    );
    let counted: Vec<u64> = (2..6).map(|k| out.categories()[1][k][0].events).collect();
    assert_eq!(counted, cartesian);

    assert_eq!(out.groups(), ["DYJetsToLL__central", "DYJetsToLL__any"]);
    let mut checked = 0;
    for (g, h, hist) in out
        .hists()
        .iter()
        .enumerate()
        .flat_map(|(g, hists)| hists.iter().enumerate().map(move |(h, x)| (g, h, x)))
    {
        let name = result.output.spec.histograms[h].name;
        let value_bins: usize = hist.shape()[2..].iter().product();
        for cat in 0..6 {
            for (v, label) in LABELS.iter().enumerate() {
                for b in 0..value_bins {
                    let got = hist.bins()[(cat * hist.shape()[1] + v) * value_bins + b].value;
                    let w = want.get(&(g, name, cat, v, b)).copied().unwrap_or(0.0) / sum_gen;
                    assert!(
                        (got - w).abs() <= 1e-9 * w.abs().max(1e-300),
                        "group {g} {name} cat {cat} {label} bin {b}: {got} vs {w}"
                    );
                    checked += usize::from(w != 0.0);
                }
            }
        }
    }
    assert!(
        checked >= 10 * min_presel.min(50) as usize,
        "only {checked} non-empty bins compared"
    );
}

/// `variations.weights` / `variations.shape` choose what goes on the `variation` axis; what
/// is kept equals the full run, a shape variation left out is not run at all.
#[test]
fn selected_variations_equal_the_full_run_and_unknown_names_are_errors() {
    let file = common::shared_data().join("nanoaod/nano_dy.root");
    let run_with = |yaml: &str| run_features(&file, yaml);
    let full = run_with("{}").unwrap();
    let some = run_with("variations: {weights: [multi], shape: []}").unwrap();
    let spec = &some.output.spec;
    let kept = [
        "multi_aDown",
        "multi_aUp",
        "multi_bDown",
        "multi_bUp",
        "nominal",
    ];
    assert_eq!(spec.axis_variations(), kept);
    assert_eq!(spec.run_shapes(), ["nominal"]);
    let (all, part) = (&full.output.datasets[0].1, &some.output.datasets[0].1);
    assert_eq!(part.presel(), [all.presel()[0]]);
    for (a, b) in all
        .categories()
        .iter()
        .flatten()
        .zip(part.categories().iter().flatten())
    {
        assert_eq!(b[..], a[..1]);
    }
    let mut compared = 0;
    for (ha, hb) in all
        .hists()
        .iter()
        .flatten()
        .zip(part.hists().iter().flatten())
    {
        let (sa, sb) = (ha.shape(), hb.shape());
        assert_eq!(sb[1], kept.len() + 1); // with the overflow bin
        for cat in 0..sa[0] {
            for (vb, label) in kept.iter().enumerate() {
                let va = LABELS.iter().position(|l| l == label).unwrap();
                for rest in 0..sa[2..].iter().product::<usize>() {
                    let x =
                        ha.bins()[(cat * sa[1] + va) * (ha.bins().len() / sa[0] / sa[1]) + rest];
                    let y =
                        hb.bins()[(cat * sb[1] + vb) * (hb.bins().len() / sb[0] / sb[1]) + rest];
                    assert_eq!(x, y, "{} cat {cat} {label}", ha.name());
                    compared += usize::from(x.value != 0.0);
                }
            }
        }
    }
    assert!(compared > 50, "{compared}");
    assert_eq!(
        run_with("variations: {shape: [muon_scale], weights: []}")
            .unwrap()
            .output
            .spec
            .axis_variations(),
        ["muon_scaleDown", "muon_scaleUp", "nominal"]
    );

    for (yaml, words) in [
        (
            "variations: {weights: [mult]}",
            &["variations.weights", "`mult`", "did you mean `multi`"][..],
        ),
        (
            "variations: {shape: [flat]}",
            &["variations.shape", "muon_scale"],
        ),
        (
            "variations: {weights: everything}",
            &["variations.weights", "flat, multi"],
        ),
        ("variations: {weights: 3}", &["variations.weights"]),
    ] {
        let err = run_with(yaml).unwrap_err().to_string();
        for w in words {
            assert!(err.contains(w), "{yaml}: {err}");
        }
    }
}
