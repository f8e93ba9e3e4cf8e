//! What a run produces: per-dataset counts, weight sums and histograms; merging in
//! chunk order; MC normalisation; the output files of the contract.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::ids::{CategoryId, GroupId, HistId, ShapeId, VariationId};
use super::processor::{ProcessError, ProcessorSpec};
use crate::config::Dataset;
use crate::exact::ExactSum;
use crate::hist::{Axis, Entry, Hist, HistError};

/// Events and (exact) weight sums of one category for one shape variation.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub events: u64,
    pub sumw: ExactSum,
    pub sumw2: ExactSum,
}

/// The accumulated result of one or more chunks of one dataset.
///
/// Results are kept per *group*: the dataset's subsamples (`{sample}__{sub}`, which may
/// overlap), or the sample itself when it has none.
///
/// A processor records what its events pass through the methods taking typed ids
/// ([`pass_skim`](Self::pass_skim), [`pass_presel`](Self::pass_presel),
/// [`count`](Self::count), [`fill`](Self::fill)); the runtime owns the counters (it sets
/// `initial` and Σ genWeight before the processor runs) and checks every id.
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkOutput {
    pub(crate) initial: u64,
    pub(crate) skim: u64,
    /// Events passing the preselection, per shape variation run.
    pub(crate) presel: Vec<u64>,
    /// Output names: `{sample}__{sub}` per subsample, or the sample.
    pub(crate) groups: Vec<String>,
    /// Per group, per category, per shape variation run.
    pub(crate) categories: Vec<Vec<Vec<Tally>>>,
    /// Σ genWeight over all events before any cut (MC).
    pub(crate) sum_genweights: ExactSum,
    /// Normalisation applied to weight sums (1/Σ genWeight after [`ChunkOutput::normalise`]).
    pub(crate) norm: f64,
    /// Per group, one per histogram of the spec: axes `cat`, `variation` (MC), then the
    /// analysis axes.
    pub(crate) hists: Vec<Vec<Hist>>,
    is_mc: bool,
    /// The declared slot of `nominal`.
    nominal: VariationId,
    /// Declared variation slot -> index on the `variation` axis (`None`: not histogrammed).
    axis_index: Vec<Option<usize>>,
    /// Declared shape variation -> index in `presel` and the tallies (`None`: not run).
    shape_index: Vec<Option<usize>>,
}

impl ChunkOutput {
    /// An empty output of `spec` for `dataset`; MC histograms get a `variation` axis.
    pub fn new(spec: &ProcessorSpec, dataset: &Dataset) -> Result<ChunkOutput, HistError> {
        let is_mc = dataset.is_mc;
        let variations = spec.axis_variations();
        let hists: Vec<Hist> = spec
            .histograms
            .iter()
            .map(|h| {
                let mut axes =
                    vec![Axis::str_category("cat", &spec.categories)?.with_label("Category")];
                if is_mc {
                    axes.push(
                        Axis::str_category("variation", &variations)?.with_label("Variation"),
                    );
                }
                axes.extend(h.axes.iter().cloned());
                Hist::new(h.name, axes)
            })
            .collect::<Result<_, _>>()?;
        let groups = spec.groups(&dataset.sample);
        let n_shape = spec.run_shapes().len();
        Ok(ChunkOutput {
            initial: 0,
            skim: 0,
            presel: vec![0; n_shape],
            categories: vec![
                vec![vec![Tally::default(); n_shape]; spec.categories.len()];
                groups.len()
            ],
            hists: vec![hists; groups.len()],
            groups,
            sum_genweights: ExactSum::default(),
            norm: 1.0,
            is_mc,
            nominal: VariationId::new(
                spec.variations
                    .iter()
                    .position(|v| v == "nominal")
                    .unwrap_or(0),
            ),
            axis_index: spec.variation_axis_index(),
            shape_index: spec.shape_index(),
        })
    }

    /// Events in the chunk (set by the runtime).
    pub fn initial(&self) -> u64 {
        self.initial
    }

    /// Events passing the skim.
    pub fn skim(&self) -> u64 {
        self.skim
    }

    /// Events passing the preselection, per shape variation this run computes.
    pub fn presel(&self) -> &[u64] {
        &self.presel
    }

    /// The output groups: `{sample}__{sub}` per subsample, or the sample.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Per group, per category, per shape variation run: events and weight sums.
    pub fn categories(&self) -> &[Vec<Vec<Tally>>] {
        &self.categories
    }

    /// Σ genWeight of the chunk's events before any cut (MC; set by the runtime).
    pub fn sum_genweights(&self) -> &ExactSum {
        &self.sum_genweights
    }

    /// Per group, one per histogram of the spec.
    pub fn hists(&self) -> &[Vec<Hist>] {
        &self.hists
    }

    /// Whether the histograms have a `variation` axis.
    pub fn is_mc(&self) -> bool {
        self.is_mc
    }

    /// Whether this run computes shape variation `shape` (`nominal` always).
    #[inline]
    pub fn runs_shape(&self, shape: ShapeId) -> bool {
        matches!(self.shape_index.get(shape.index()), Some(Some(_)))
    }

    /// Records an event passing the skim.
    #[inline]
    pub fn pass_skim(&mut self) {
        self.skim += 1;
    }

    /// Records an event passing the preselection for shape variation `shape` (nothing if
    /// this run does not compute it).
    #[inline]
    pub fn pass_presel(&mut self, shape: ShapeId) -> Result<(), ProcessError> {
        if let Some(s) = self.shape_slot(shape)? {
            self.presel[s] += 1;
        }
        Ok(())
    }

    /// Records an event of `group` in category `cat` for shape variation `shape` with
    /// nominal weight `w`.
    #[inline]
    pub fn count(
        &mut self,
        group: GroupId,
        cat: CategoryId,
        shape: ShapeId,
        w: f64,
    ) -> Result<(), ProcessError> {
        let Some(s) = self.shape_slot(shape)? else {
            return Ok(());
        };
        let t = self
            .categories
            .get_mut(group.index())
            .ok_or_else(|| unknown(group, "for this sample"))?
            .get_mut(cat.index())
            .ok_or_else(|| unknown(cat, "by the processor"))?;
        t[s].events += 1;
        t[s].sumw.add(w);
        t[s].sumw2.add(w * w);
        Ok(())
    }

    /// Fills histogram `hist` of `group` in category `cat` with `entry` (one value per
    /// analysis axis), once per `(variation, weight)` of `weights` that this run
    /// histograms; data histograms have no `variation` axis and take the first weight.
    #[inline]
    pub fn fill<const N: usize>(
        &mut self,
        group: GroupId,
        hist: HistId,
        cat: CategoryId,
        entry: impl Entry<N>,
        weights: &[(VariationId, f64)],
    ) -> Result<(), ProcessError> {
        let h = self
            .hists
            .get_mut(group.index())
            .ok_or_else(|| unknown(group, "for this sample"))?
            .get_mut(hist.index())
            .ok_or_else(|| unknown(hist, "by the processor"))?;
        let c = cat.index();
        if c >= self.categories[0].len() {
            return Err(unknown(cat, "by the processor"));
        }
        let first = if self.is_mc { 2 } else { 1 };
        let Some(offset) = entry.offset(h, first)? else {
            return Ok(());
        };
        if self.is_mc {
            for &(v, w) in weights {
                match self.axis_index.get(v.index()) {
                    Some(Some(v)) => h.fill_at(&[c, *v], offset, w),
                    Some(None) => {}
                    None => return Err(unknown(v, "by the processor")),
                }
            }
        } else if let Some(&(_, w)) = weights.first() {
            h.fill_at(&[c], offset, w);
        }
        Ok(())
    }

    /// [`fill`](Self::fill) with the nominal weight `w` only.
    #[inline]
    pub fn fill_nominal<const N: usize>(
        &mut self,
        group: GroupId,
        hist: HistId,
        cat: CategoryId,
        entry: impl Entry<N>,
        w: f64,
    ) -> Result<(), ProcessError> {
        let nominal = self.nominal;
        self.fill(group, hist, cat, entry, &[(nominal, w)])
    }

    /// Shape variation `shape`'s index in the tallies (`None`: not run this time).
    #[inline]
    fn shape_slot(&self, shape: ShapeId) -> Result<Option<usize>, ProcessError> {
        self.shape_index
            .get(shape.index())
            .copied()
            .ok_or_else(|| unknown(shape, "by the processor"))
    }

    /// Adds another output of the same dataset (merging chunks in id order).
    pub fn merge(&mut self, other: &ChunkOutput) -> Result<(), HistError> {
        self.initial += other.initial;
        self.skim += other.skim;
        for (a, b) in self.presel.iter_mut().zip(&other.presel) {
            *a += b;
        }
        for (a, b) in self
            .categories
            .iter_mut()
            .flatten()
            .flatten()
            .zip(other.categories.iter().flatten().flatten())
        {
            a.events += b.events;
            a.sumw.merge(&b.sumw);
            a.sumw2.merge(&b.sumw2);
        }
        self.sum_genweights.merge(&other.sum_genweights);
        for (a, b) in self
            .hists
            .iter_mut()
            .flatten()
            .zip(other.hists.iter().flatten())
        {
            a.add(b)?;
        }
        Ok(())
    }

    /// PocketCoffea's postprocess for MC: histograms and sumw scaled by 1/S, sumw2 by
    /// 1/S², with S = Σ genWeight of the dataset.
    pub fn normalise(&mut self) {
        let s = self.sum_genweights.value();
        if !self.is_mc || s == 0.0 {
            return;
        }
        self.norm = 1.0 / s;
        for h in self.hists.iter_mut().flatten() {
            h.scale(self.norm);
        }
    }

    /// Normalised Σw of a tally.
    pub fn sumw(&self, t: &Tally) -> f64 {
        t.sumw.value() * self.norm
    }

    /// Normalised Σw² of a tally.
    pub fn sumw2(&self, t: &Tally) -> f64 {
        t.sumw2.value() * self.norm * self.norm
    }
}

/// An id the processor did not declare.
#[cold]
fn unknown(id: impl std::fmt::Display, by: &str) -> ProcessError {
    ProcessError::Undeclared(format!("{id} is not declared {by}"))
}

/// The merged, normalised result of a run.
#[derive(Debug)]
pub struct Output {
    pub spec: ProcessorSpec,
    /// Per dataset, in the run's dataset order.
    pub datasets: Vec<(Dataset, ChunkOutput)>,
}

impl Output {
    /// `cutflow.json` of the output contract.
    pub fn cutflow_json(&self) -> Value {
        let mut root = serde_json::Map::new();
        let per_dataset = |f: &dyn Fn(&ChunkOutput) -> Value| -> Value {
            Value::Object(
                self.datasets
                    .iter()
                    .map(|(d, o)| (d.name.clone(), f(o)))
                    .collect(),
            )
        };
        let shape = &self.spec.run_shapes();
        root.insert("initial".into(), per_dataset(&|o| json!(o.initial)));
        root.insert("skim".into(), per_dataset(&|o| json!(o.skim)));
        root.insert(
            "presel".into(),
            per_dataset(&|o| {
                Value::Object(
                    shape
                        .iter()
                        .zip(&o.presel)
                        .map(|(v, n)| (v.to_string(), json!(n)))
                        .collect(),
                )
            }),
        );
        let per_category =
            |c: usize, f: &dyn Fn(&ChunkOutput, &Tally) -> Value, mc_only: bool| -> Value {
                Value::Object(
                    self.datasets
                        .iter()
                        .filter(|(d, _)| !mc_only || d.is_mc)
                        .map(|(d, o)| {
                            let by_group = o
                                .groups
                                .iter()
                                .zip(&o.categories)
                                .map(|(g, cats)| {
                                    let by_var = shape
                                        .iter()
                                        .zip(&cats[c])
                                        .map(|(v, t)| (v.to_string(), f(o, t)))
                                        .collect();
                                    (g.clone(), Value::Object(by_var))
                                })
                                .collect();
                            (d.name.clone(), Value::Object(by_group))
                        })
                        .collect(),
                )
            };
        let mut sumw = serde_json::Map::new();
        let mut sumw2 = serde_json::Map::new();
        for (c, cat) in self.spec.categories.iter().enumerate() {
            root.insert(
                cat.to_string(),
                per_category(c, &|_, t| json!(t.events), false),
            );
            sumw.insert(
                cat.to_string(),
                per_category(c, &|o, t| json!(o.sumw(t)), true),
            );
            sumw2.insert(
                cat.to_string(),
                per_category(c, &|o, t| json!(o.sumw2(t)), true),
            );
        }
        root.insert("sumw".into(), Value::Object(sumw));
        root.insert("sumw2".into(), Value::Object(sumw2));
        root.insert(
            "sum_genweights".into(),
            Value::Object(
                self.datasets
                    .iter()
                    .filter(|(d, _)| d.is_mc)
                    .map(|(d, o)| (d.name.clone(), json!(o.sum_genweights.value())))
                    .collect(),
            ),
        );
        Value::Object(root)
    }

    /// Every histogram keyed `"{histogram}/{sample or sample__subsample}/{dataset}"`.
    pub fn histograms(&self) -> BTreeMap<String, &Hist> {
        let mut out = BTreeMap::new();
        for (d, o) in &self.datasets {
            for (g, hists) in o.groups.iter().zip(&o.hists) {
                for h in hists {
                    out.insert(format!("{}/{g}/{}", h.name(), d.name), h);
                }
            }
        }
        out
    }

    /// The cutflow as a text table (events per step and dataset).
    pub fn cutflow_table(&self) -> String {
        let mut rows: Vec<(String, Vec<String>)> = vec![
            (
                "initial".into(),
                self.datasets
                    .iter()
                    .map(|(_, o)| o.initial.to_string())
                    .collect(),
            ),
            (
                "skim".into(),
                self.datasets
                    .iter()
                    .map(|(_, o)| o.skim.to_string())
                    .collect(),
            ),
            (
                "presel".into(),
                self.datasets
                    .iter()
                    .map(|(_, o)| o.presel[0].to_string())
                    .collect(),
            ),
        ];
        for (c, cat) in self.spec.categories.iter().enumerate() {
            // Subsamples: one value per subsample, joined by `/`.
            let per_group = |o: &ChunkOutput, f: &dyn Fn(&Tally) -> String| {
                o.categories
                    .iter()
                    .map(|cats| f(&cats[c][0]))
                    .collect::<Vec<_>>()
                    .join("/")
            };
            rows.push((
                cat.to_string(),
                self.datasets
                    .iter()
                    .map(|(_, o)| per_group(o, &|t| t.events.to_string()))
                    .collect(),
            ));
            rows.push((
                format!("{cat} (sumw)"),
                self.datasets
                    .iter()
                    .map(|(d, o)| {
                        if d.is_mc {
                            per_group(o, &|t| format!("{:.6e}", o.sumw(t)))
                        } else {
                            "-".into()
                        }
                    })
                    .collect(),
            ));
        }
        let names: Vec<&str> = self.datasets.iter().map(|(d, _)| d.name.as_str()).collect();
        let first = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
        let widths: Vec<usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                rows.iter()
                    .map(|r| r.1[i].len())
                    .max()
                    .unwrap_or(0)
                    .max(n.len())
            })
            .collect();
        let mut s = format!("{:<first$}", "step");
        for (n, w) in names.iter().zip(&widths) {
            s += &format!("  {n:>w$}");
        }
        s.push('\n');
        for (step, cells) in &rows {
            s += &format!("{step:<first$}");
            for (c, w) in cells.iter().zip(&widths) {
                s += &format!("  {c:>w$}");
            }
            s.push('\n');
        }
        s
    }
}
