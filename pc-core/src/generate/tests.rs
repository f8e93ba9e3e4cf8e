use super::*;

fn col<'a>(cols: &'a [Column], name: &str) -> &'a Column {
    cols.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn f32s(c: &Column) -> &[f32] {
    match &c.values {
        Values::F32(v) => v,
        v => panic!("{}: not f32 but {:?}", c.name, v.leaf_type()),
    }
}

fn opts(kind: SampleKind, events: u64, cluster: usize) -> GenerateOptions {
    GenerateOptions {
        cluster_size: cluster,
        ..GenerateOptions::new(kind, events)
    }
}

#[test]
fn sample_kind_parses() {
    assert_eq!("dy".parse::<SampleKind>().unwrap(), SampleKind::DrellYan);
    assert_eq!("ttbar".parse::<SampleKind>().unwrap(), SampleKind::TTbar);
    assert_eq!("DATA".parse::<SampleKind>().unwrap(), SampleKind::Data);
    assert!("qcd".parse::<SampleKind>().is_err());
}

#[test]
fn deterministic_for_a_seed() {
    for kind in [SampleKind::DrellYan, SampleKind::TTbar, SampleKind::Data] {
        let o = opts(kind, 1500, 700);
        let a = generate_columns(&o);
        let b = generate_columns(&o);
        assert_eq!(a, b, "{kind}");
        let c = generate_columns(&GenerateOptions { seed: 43, ..o });
        assert_ne!(a, c, "{kind}");
    }
}

#[test]
fn schema_is_consistent() {
    for kind in [SampleKind::DrellYan, SampleKind::Data] {
        for full in [false, true] {
            let specs = events_branches(kind, full);
            let mut names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n, "duplicate branch names");
        }
    }
    let mc = events_branches(SampleKind::DrellYan, false);
    let find = |n: &str| {
        mc.iter()
            .find(|s| s.name == n)
            .unwrap_or_else(|| panic!("missing {n}"))
    };
    use crate::io::write::BranchShape;
    for (name, leaf) in [
        ("run", LeafType::U32),
        ("luminosityBlock", LeafType::U32),
        ("event", LeafType::U64),
        ("genWeight", LeafType::F32),
        ("PV_npvsGood", LeafType::I32),
        ("PV_npvs", LeafType::I32),
        ("Flag_goodVertices", LeafType::Bool),
        ("Flag_globalSuperTightHalo2016Filter", LeafType::Bool),
        ("Flag_HBHENoiseFilter", LeafType::Bool),
        ("Flag_HBHENoiseIsoFilter", LeafType::Bool),
        ("Flag_EcalDeadCellTriggerPrimitiveFilter", LeafType::Bool),
        ("Flag_BadPFMuonFilter", LeafType::Bool),
        ("Flag_eeBadScFilter", LeafType::Bool),
        ("HLT_IsoMu24", LeafType::Bool),
        ("HLT_Ele32_WPTight_Gsf", LeafType::Bool),
        ("Pileup_nTrueInt", LeafType::F32),
        ("fixedGridRhoFastjetAll", LeafType::F32),
        ("nMuon", LeafType::U32),
        ("RawMET_pt", LeafType::F32),
        ("RawMET_phi", LeafType::F32),
        ("MET_pt", LeafType::F32),
        ("MET_phi", LeafType::F32),
    ] {
        let s = find(name);
        assert_eq!((s.leaf, &s.shape), (leaf, &BranchShape::Scalar), "{name}");
    }
    for (name, leaf, counter) in [
        ("Muon_pt", LeafType::F32, "nMuon"),
        ("Muon_charge", LeafType::I32, "nMuon"),
        ("Muon_pfRelIso04_all", LeafType::F32, "nMuon"),
        ("Muon_tightId", LeafType::Bool, "nMuon"),
        ("Electron_deltaEtaSC", LeafType::F32, "nElectron"),
        ("Electron_mvaFall17V2Iso_WP80", LeafType::Bool, "nElectron"),
        ("Electron_charge", LeafType::I32, "nElectron"),
        ("Jet_jetId", LeafType::I32, "nJet"),
        ("Jet_puId", LeafType::I32, "nJet"),
        ("Jet_genJetIdx", LeafType::I32, "nJet"),
        ("Jet_btagDeepFlavB", LeafType::F32, "nJet"),
        ("Jet_muonSubtrFactor", LeafType::F32, "nJet"),
        ("Jet_chEmEF", LeafType::F32, "nJet"),
        ("Jet_neEmEF", LeafType::F32, "nJet"),
        ("GenJet_mass", LeafType::F32, "nGenJet"),
        ("CorrT1METJet_rawPt", LeafType::F32, "nCorrT1METJet"),
        (
            "CorrT1METJet_muonSubtrFactor",
            LeafType::F32,
            "nCorrT1METJet",
        ),
        ("FatJet_rawFactor", LeafType::F32, "nFatJet"),
        ("FatJet_area", LeafType::F32, "nFatJet"),
    ] {
        let s = find(name);
        assert_eq!(
            (s.leaf, &s.shape),
            (
                leaf,
                &BranchShape::Counted {
                    counter: counter.into()
                }
            ),
            "{name}"
        );
    }
    let data = events_branches(SampleKind::Data, false);
    for gen_only in [
        "genWeight",
        "Pileup_nTrueInt",
        "nGenJet",
        "GenJet_pt",
        "Jet_genJetIdx",
        "Generator_weight",
    ] {
        assert!(
            !data.iter().any(|s| s.name == gen_only),
            "{gen_only} in data"
        );
    }
}

#[test]
fn counters_match_jagged_lengths() {
    let cols = generate_columns(&opts(SampleKind::TTbar, 2000, 1000));
    for cluster in &cols {
        let entries = cluster[0].entries();
        for c in cluster {
            assert_eq!(c.entries(), entries, "{}", c.name);
        }
        let specs = events_branches(SampleKind::TTbar, false);
        for (c, s) in cluster.iter().zip(&specs) {
            assert_eq!(c.name, s.name);
            assert_eq!(c.values.leaf_type(), s.leaf, "{}", c.name);
            if let crate::io::write::BranchShape::Counted { counter } = &s.shape {
                let Values::U32(n) = &col(cluster, counter).values else {
                    panic!("counter type")
                };
                let Layout::Jagged(off) = &c.layout else {
                    panic!("{} not jagged", c.name)
                };
                assert_eq!(off.len(), n.len() + 1);
                assert_eq!(*off.last().unwrap() as usize, c.values.len(), "{}", c.name);
                assert!(
                    off.windows(2).zip(n).all(|(w, &k)| w[1] - w[0] == k),
                    "{}",
                    c.name
                );
            }
        }
    }
}

#[test]
fn drell_yan_physics() {
    let clusters = generate_columns(&opts(SampleKind::DrellYan, 20_000, 10_000));
    let (mut hist, mut neg, mut total, mut trig, mut trig_den) = ([0u32; 40], 0, 0, 0, 0);
    let mut event_ids = Vec::new();
    for cols in &clusters {
        let Values::U32(n) = &col(cols, "nMuon").values else {
            panic!()
        };
        let pt = col(cols, "Muon_pt");
        let (eta, phi) = (f32s(col(cols, "Muon_eta")), f32s(col(cols, "Muon_phi")));
        let Values::Bool(hlt) = &col(cols, "HLT_IsoMu24").values else {
            panic!()
        };
        for (i, &k) in n.iter().enumerate() {
            let r = pt.entry_range(i);
            if k >= 2 {
                let m = sim::pair_mass(
                    &f32s(pt)[r.clone()],
                    &eta[r.clone()],
                    &phi[r.clone()],
                    physics::M_MU,
                );
                if (50.0..130.0).contains(&m) {
                    hist[((m - 50.0) / 2.0) as usize] += 1;
                }
            }
            if k >= 1 && f32s(pt)[r.start] > 30.0 {
                trig_den += 1;
                trig += u32::from(hlt[i]);
            }
        }
        for w in f32s(col(cols, "genWeight")) {
            total += 1;
            neg += u32::from(*w < 0.0);
        }
        let Values::U64(ev) = &col(cols, "event").values else {
            panic!()
        };
        event_ids.extend_from_slice(ev);
    }
    let peak = hist.iter().enumerate().max_by_key(|&(_, &c)| c).unwrap().0;
    let peak_mass = 50.0 + 2.0 * peak as f64 + 1.0;
    assert!(
        (88.0..=94.0).contains(&peak_mass),
        "dimuon peak at {peak_mass}: {hist:?}"
    );
    assert!(hist[peak] > 1000, "too few Z->mumu: {hist:?}");
    let frac = f64::from(neg) / f64::from(total);
    assert!(
        (0.10..0.20).contains(&frac),
        "negative weight fraction {frac}"
    );
    let eff = f64::from(trig) / f64::from(trig_den);
    assert!(
        (0.75..0.99).contains(&eff),
        "IsoMu24 efficiency on the plateau {eff}"
    );
    let n = event_ids.len();
    event_ids.sort_unstable();
    event_ids.dedup();
    assert_eq!(event_ids.len(), n, "event numbers not unique");
}

#[test]
fn pseudo_data_lumis() {
    let clusters = generate_columns(&opts(SampleKind::Data, 20_000, 10_000));
    let (mut inside, mut outside) = (0, 0);
    let mut ids = Vec::new();
    for cols in &clusters {
        let Values::U32(run) = &col(cols, "run").values else {
            panic!()
        };
        let Values::U32(lumi) = &col(cols, "luminosityBlock").values else {
            panic!()
        };
        let Values::U64(ev) = &col(cols, "event").values else {
            panic!()
        };
        for i in 0..run.len() {
            if data::is_golden(run[i], lumi[i]) {
                inside += 1;
            } else {
                outside += 1;
            }
            ids.push((run[i], ev[i]));
        }
    }
    let frac = f64::from(outside) / f64::from(inside + outside);
    assert!(
        inside > 0 && (0.02..0.3).contains(&frac),
        "outside-golden fraction {frac}"
    );
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
    // ttbar-like events are present: some events with >= 2 b-tagged jets.
    let cols = &clusters[0];
    let Values::U32(nj) = &col(cols, "nJet").values else {
        panic!()
    };
    let b = f32s(col(cols, "Jet_btagDeepFlavB"));
    let jets = col(cols, "Jet_pt");
    let two_b = (0..nj.len())
        .filter(|&i| {
            b[jets.entry_range(i)]
                .iter()
                .filter(|&&x| x > 0.2783)
                .count()
                >= 2
        })
        .count();
    assert!(two_b > 50, "{two_b} events with two b tags");
}

#[test]
fn ttbar_has_more_jets_than_dy() {
    let mean_jets = |kind| {
        let cols = generate_columns(&opts(kind, 3000, 3000));
        let Values::U32(n) = &col(&cols[0], "nJet").values else {
            panic!()
        };
        n.iter().map(|&x| f64::from(x)).sum::<f64>() / n.len() as f64
    };
    let (dy, tt) = (
        mean_jets(SampleKind::DrellYan),
        mean_jets(SampleKind::TTbar),
    );
    assert!(tt > dy + 2.0, "jets: dy {dy}, ttbar {tt}");
}

#[test]
fn writes_a_file() {
    let dir = std::env::temp_dir().join(format!("pc-generate-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a"), dir.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // Large enough (> 8 MiB) for whole chunks written with direct I/O.
    let o = opts(SampleKind::DrellYan, 6000, 1000);
    let s = generate(&a.join("dy.root"), &o).unwrap();
    assert_eq!((s.events, s.clusters, s.runs, s.lumis), (6000, 6, 1, 12));
    assert!(s.bytes > 9 << 20, "{s:?}");
    assert!(s.sum_w.abs() > 0.0 && s.sum_w2 > 0.0);
    // Same options, one thread instead of the pool and through the page cache instead of
    // direct I/O: the same bytes.
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let buffered = GenerateOptions {
        direct_io: false,
        ..o.clone()
    };
    let again = one_thread.install(|| generate(&b.join("dy.root"), &buffered).unwrap());
    assert_eq!(s, again);
    let bytes = |d: &std::path::Path| std::fs::read(d.join("dy.root")).unwrap();
    assert!(bytes(&a) == bytes(&b), "files differ");
    std::fs::remove_dir_all(&dir).ok();
}

/// Throughput per codec: `cargo test --release -p pc-core generate::tests::bench -- --ignored --nocapture`
/// (`PC_BENCH_EVENTS` overrides the number of events).
#[test]
#[ignore]
fn bench_generate() {
    let events: u64 = std::env::var("PC_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let dir = std::env::temp_dir().join(format!("pc-generate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let t = std::time::Instant::now();
    let n: usize = generate_columns(&opts(SampleKind::DrellYan, events, 10_000)).len();
    let dt = t.elapsed().as_secs_f64();
    println!(
        "columns only (dy): {n} clusters, {:.0} events/s",
        events as f64 / dt
    );
    for kind in [SampleKind::DrellYan, SampleKind::TTbar, SampleKind::Data] {
        for full in [false, true] {
            for codec in ["zlib:1", "lz4", "zstd:5", "lzma:9"] {
                if (full || kind != SampleKind::DrellYan) && codec != "zlib:1" {
                    continue;
                }
                let o = GenerateOptions {
                    codec: codec.parse().unwrap(),
                    full_schema: full,
                    ..opts(kind, events, 10_000)
                };
                let path = dir.join("bench.root");
                let t = std::time::Instant::now();
                let s = generate(&path, &o).unwrap();
                let dt = t.elapsed().as_secs_f64();
                println!(
                    "{kind:5} full={full:5} {codec:7} {} branches: {:>9.0} events/s, {:>6.0} bytes/event",
                    s.branches,
                    events as f64 / dt,
                    s.bytes as f64 / events as f64
                );
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Generation alone (no file): `cargo test --release -p pc-core generate::tests::bench_columns -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_columns() {
    let events: u64 = std::env::var("PC_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    for kind in [SampleKind::DrellYan, SampleKind::TTbar] {
        let t = std::time::Instant::now();
        let n = generate_columns(&opts(kind, events, 10_000)).len();
        let dt = t.elapsed().as_secs_f64();
        println!(
            "columns only ({kind}): {n} clusters, {:.0} events/s",
            events as f64 / dt
        );
    }
}

/// Writes 20k-event samples to `$PC_GEN_OUT` (default: the temp dir) for external checks.
#[test]
#[ignore]
fn write_samples() {
    let dir =
        std::env::var("PC_GEN_OUT").map_or_else(|_| std::env::temp_dir(), std::path::PathBuf::from);
    for kind in [SampleKind::DrellYan, SampleKind::TTbar, SampleKind::Data] {
        let s = generate(
            &dir.join(format!("gen_{kind}.root")),
            &opts(kind, 20_000, 10_000),
        )
        .unwrap();
        println!("{kind}: {s:?}");
    }
}

/// Phase timing (single thread): `cargo test --release -p pc-core generate::tests::bench_phases -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_phases() {
    let events: u64 = std::env::var("PC_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let kinds: Vec<SampleKind> = match std::env::var("PC_BENCH_KIND") {
        Ok(k) => vec![k.parse().unwrap()],
        Err(_) => vec![SampleKind::DrellYan, SampleKind::TTbar, SampleKind::Data],
    };
    for kind in kinds {
        let o = opts(kind, events, 10_000);
        let entries = schema::events_schema(kind.is_mc(), false);
        // On-CPU time of this thread (robust against other load on the machine).
        let cpu = || -> f64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
                .map_or(0.0, |ns| ns * 1e-9)
        };
        let (mut t_sim, mut t_col) = (0.0, 0.0);
        let mut spare = None;
        for c in 0..events.div_ceil(10_000) {
            let t = cpu();
            let cd = generate_cluster(&o, c, c * 10_000, 10_000);
            t_sim += cpu() - t;
            let t = cpu();
            let cols = cluster_columns(&o, &entries, c, &cd, spare.take());
            t_col += cpu() - t;
            if c % 2 == 1 {
                let fresh = cluster_columns(&o, &entries, c, &cd, None);
                assert_eq!(fresh, cols, "recycled buffers change the columns");
            }
            spare = Some(cols);
        }
        let ev = events as f64;
        println!(
            "{kind:5}: simulate {:.2} us/event, columns {:.2} us/event, total {:.0} events/s",
            1e6 * t_sim / ev,
            1e6 * t_col / ev,
            ev / (t_sim + t_col)
        );
    }
}
