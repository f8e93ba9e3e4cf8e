//! Run and luminosity-block structure of the pseudo-data: real 2018 runs, mostly inside
//! the 2018 golden JSON (Cert_314472-325175 Legacy2018), some lumi sections outside it.

/// A run with a contiguous range of luminosity blocks `first..=last` and whether that
/// range is certified in the 2018 golden JSON.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct LumiRange {
    pub run: u32,
    pub first: u32,
    pub last: u32,
    pub golden: bool,
}

const fn lr(run: u32, first: u32, last: u32, golden: bool) -> LumiRange {
    LumiRange {
        run,
        first,
        last,
        golden,
    }
}

/// Ranges in run order (chosen from the 2018 golden JSON; `golden: false` ranges are
/// lumi sections the JSON excludes, or a run absent from it).
pub(crate) const DATA_LUMIS: &[LumiRange] = &[
    lr(315259, 1, 172, true),
    lr(315264, 1, 31, false), // certified from lumi 32
    lr(315264, 32, 261, true),
    lr(316110, 1, 210, true),
    lr(319337, 48, 760, true),
    lr(320500, 1, 80, false), // run not in the golden JSON
    lr(321457, 1, 42, false), // certified from lumi 43
    lr(321457, 43, 451, true),
    lr(321457, 452, 452, false), // gap in the certification
    lr(321457, 453, 700, true),
    lr(322625, 41, 484, true),
    lr(323725, 18, 346, true),
    lr(324980, 39, 917, true),
    lr(324980, 918, 918, false),
    lr(324980, 969, 1004, false),
    lr(325172, 1, 267, true),
    lr(325172, 268, 268, false),
    lr(325172, 269, 485, true),
];

/// Total number of lumi sections in [`DATA_LUMIS`].
pub(crate) fn total_lumis() -> u64 {
    DATA_LUMIS
        .iter()
        .map(|r| u64::from(r.last - r.first + 1))
        .sum()
}

/// The (run, lumi) of the `k`-th lumi section (wrapping around).
pub(crate) fn lumi_at(k: u64) -> (u32, u32) {
    let mut k = k % total_lumis();
    for r in DATA_LUMIS {
        let n = u64::from(r.last - r.first + 1);
        if k < n {
            return (r.run, r.first + k as u32);
        }
        k -= n;
    }
    unreachable!("k is reduced modulo the total")
}

/// Is (run, lumi) inside the certified ranges of [`DATA_LUMIS`]?
#[cfg(test)]
pub(crate) fn is_golden(run: u32, lumi: u32) -> bool {
    DATA_LUMIS
        .iter()
        .any(|r| r.golden && r.run == run && (r.first..=r.last).contains(&lumi))
}

/// Fraction of DY-like events in the pseudo-data: sigma(DY, M>50) ~ 6.1 nb against
/// sigma(ttbar) ~ 0.83 nb.
pub(crate) const DATA_DY_FRACTION: f64 = 6077.0 / (6077.0 + 833.9);

/// The certified part of `DATA_LUMIS` as a golden JSON (`{"run": [[first, last], ...]}`).
/// The ranges were taken from the 2018 golden JSON, so on the pseudo-data this mask and
/// the real `Cert_314472-325175` file accept the same events; the demo uses it when the
/// real file is not at hand.
pub fn demo_golden_json() -> String {
    let mut runs: Vec<(u32, Vec<(u32, u32)>)> = Vec::new();
    for r in DATA_LUMIS.iter().filter(|r| r.golden) {
        match runs.last_mut() {
            Some((run, ranges)) if *run == r.run => ranges.push((r.first, r.last)),
            _ => runs.push((r.run, vec![(r.first, r.last)])),
        }
    }
    let body: Vec<String> = runs
        .iter()
        .map(|(run, ranges)| {
            let ranges: Vec<String> = ranges.iter().map(|(a, b)| format!("[{a}, {b}]")).collect();
            format!("\"{run}\": [{}]", ranges.join(", "))
        })
        .collect();
    format!("{{{}}}\n", body.join(",\n "))
}
