//! The library skim cuts (`pc_core::cms::skim`) on generated pseudo-data: the HLT overlap
//! removal and the event flags equal the same logic written on the raw columns.

use pc_core::cms::{EventFlags, Hlt};
use pc_core::config::{Dataset, Params};
use pc_core::generate::{GenerateOptions, SampleKind, generate};
use pc_core::io::{ReadOptions, RootFile, Values};
use pc_core::run::{ChunkContext, Columns, EventCut};

use crate::common;

const YAML: &str = "HLT_triggers:\n  \"2018\":\n    SingleMuon: [IsoMu24]\n    SingleEle: [HLT_Ele32_WPTight_Gsf]\n";

fn data_dataset(pd: &str, file: &std::path::Path) -> Dataset {
    let meta = [
        ("sample", "DATA"),
        ("year", "2018"),
        ("isMC", "false"),
        ("primaryDataset", pd),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Dataset::from_metadata(
        &format!("DATA_{pd}"),
        meta,
        vec![file.to_string_lossy().into()],
    )
    .unwrap()
}

/// The context of a cut's setup for dataset `d`.
fn context<'a>(d: &'a Dataset, params: &'a Params) -> ChunkContext<'a> {
    ChunkContext {
        dataset: d,
        lumi_pb: 1.0,
        lumimask: None,
        params,
        prepared: None,
    }
}

/// Reads what `cut` asks for and returns its decision per event.
fn decisions<C: EventCut>(cut: &C, file: &std::path::Path, ctx: &ChunkContext<'_>) -> Vec<bool> {
    let names = cut.branches();
    let tree = RootFile::open(file).unwrap().tree("Events").unwrap();
    let n = tree.entries();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let read = tree.read(&refs, 0..n, ReadOptions::default()).unwrap();
    let columns = Columns::new(
        names.clone(),
        read.into_iter().map(Some).collect(),
        n as usize,
    );
    let chunk = cut.chunk(&columns, ctx).unwrap();
    (0..n as usize).map(|i| C::pass(&chunk, i)).collect()
}

fn bools(file: &std::path::Path, branch: &str) -> Vec<bool> {
    let tree = RootFile::open(file).unwrap().tree("Events").unwrap();
    let n = tree.entries();
    match tree
        .read(&[branch], 0..n, ReadOptions::default())
        .unwrap()
        .remove(0)
        .values
    {
        Values::Bool(v) => v,
        other => panic!("{branch} is {:?}", other.leaf_type()),
    }
}

#[test]
fn hlt_removes_the_overlap_of_primary_datasets_and_flags_add_the_data_ones() {
    let dir = common::scratch("skim");
    let file = dir.join("data.root");
    generate(&file, &GenerateOptions::new(SampleKind::Data, 20_000)).unwrap();
    let params = Params::builder()
        .yaml("test", YAML)
        .dir("data_dir", common::shared_data())
        .load()
        .unwrap();
    let (mu, ele) = (
        bools(&file, "HLT_IsoMu24"),
        bools(&file, "HLT_Ele32_WPTight_Gsf"),
    );
    for (pd, expected) in [
        ("SingleMuon", mu.clone()),
        (
            "SingleEle",
            ele.iter().zip(&mu).map(|(&e, &m)| e && !m).collect(),
        ),
    ] {
        let d = data_dataset(pd, &file);
        let ctx = context(&d, &params);
        let hlt = Hlt::setup(&ctx).unwrap();
        assert_eq!(decisions(&hlt, &file, &ctx), expected, "{pd}");
        assert!(
            expected.iter().any(|&x| x) && expected.iter().any(|&x| !x),
            "{pd}: a trivial test"
        );
    }
    // MC: the OR of every primary dataset's paths.
    let mc = common::mc_dataset("DY", &file);
    let ctx = context(&mc, &params);
    let or: Vec<bool> = mu.iter().zip(&ele).map(|(&m, &e)| m || e).collect();
    assert_eq!(decisions(&Hlt::setup(&ctx).unwrap(), &file, &ctx), or);

    // Event flags: data adds `event_flags_data` (eeBadScFilter) to the year's list.
    let d = data_dataset("SingleMuon", &file);
    let ctx = context(&d, &params);
    let flags = EventFlags::setup(&ctx).unwrap();
    assert!(flags.branches().contains(&"Flag_eeBadScFilter".to_string()));
    let mut expected = vec![true; 20_000];
    for b in flags.branches() {
        for (e, v) in expected.iter_mut().zip(bools(&file, &b)) {
            *e &= v;
        }
    }
    assert_eq!(decisions(&flags, &file, &ctx), expected);

    // A primary dataset the year's table does not list is an error naming the key.
    let d = data_dataset("DoubleMuon", &file);
    let ctx = context(&d, &params);
    let err = Hlt::setup(&ctx).err().unwrap().to_string();
    assert!(
        err.contains("`DoubleMuon`") && err.contains("HLT_triggers.2018"),
        "{err}"
    );
}
