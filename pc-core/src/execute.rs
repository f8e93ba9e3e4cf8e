//! Executes chunks of a plan on a rayon pool, folding each chunk's output into one
//! [`Partial`] as soon as it is done (memory does not grow with the number of chunks).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{Dataset, Params};
use crate::io::{ReadOptions, RootFile, Tree};
use crate::lumimask::LumiMask;
use crate::partial::Partial;
use crate::plan::{ChunkPlan, PlannedChunk};
use crate::run::columns::Columns;
use crate::run::{
    BranchId, ChunkContext, ChunkOutput, Prepared, ProcessError, Processor, ProcessorSpec, RunError,
};

/// What every chunk of a run shares, built once before any input file is opened: the
/// processor's spec (with this run's variations), the parameters, the datasets and, per
/// dataset, its resources and what [`Processor::prepare`] built.
#[derive(Debug)]
pub struct RunSetup {
    pub spec: ProcessorSpec,
    pub params: Params,
    pub datasets: Vec<Dataset>,
    resources: Vec<DatasetResources>,
}

/// Per-dataset inputs resolved once.
#[derive(Debug)]
struct DatasetResources {
    lumi_pb: f64,
    lumimask: Option<Arc<LumiMask>>,
    /// The spec's branches read for this dataset (MC-only and `when` branches resolved).
    branches: Vec<usize>,
    /// The branches `prepared` names that the spec does not declare.
    extra: Vec<String>,
    prepared: Prepared,
}

impl RunSetup {
    /// Checks the processor's spec, selects this run's variations, and builds each
    /// dataset's resources (lumi, golden JSON: each file parsed once) and prepared values.
    /// Any error stops the run here, before an input file is opened; the failures of
    /// [`Processor::prepare`] are reported together, once per distinct message.
    pub fn new<P: Processor + ?Sized>(
        processor: &P,
        datasets: Vec<Dataset>,
        params: Params,
    ) -> Result<RunSetup, RunError> {
        let mut spec = processor.spec();
        spec.validate().map_err(RunError::Setup)?;
        spec.select_variations(&params)?;
        check_skipped(&spec, &params)?;
        let mut masks: HashMap<String, Arc<LumiMask>> = HashMap::new();
        let mut failures: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut resources = Vec::new();
        for d in &datasets {
            let lumi_pb = params.get::<f64>(&format!("lumi.picobarns.{}.tot", d.year))?;
            let lumimask = if d.is_mc {
                None
            } else {
                let path = params.get::<String>(&format!("lumi.goldenJSON.{}", d.year))?;
                let mask = match masks.get(&path) {
                    Some(m) => m.clone(),
                    None => {
                        let m = Arc::new(LumiMask::from_file(&path)?);
                        masks.insert(path, m.clone());
                        m
                    }
                };
                Some(mask)
            };
            let branches = branches_read(&spec, d, &params)?;
            let ctx = ChunkContext {
                dataset: d,
                lumi_pb,
                lumimask: lumimask.as_deref(),
                params: &params,
                prepared: None,
            };
            match processor.prepare(&ctx) {
                Ok(prepared) => resources.push(DatasetResources {
                    lumi_pb,
                    lumimask,
                    extra: extra_branches(&spec, &branches, &prepared),
                    branches,
                    prepared,
                }),
                Err(e) => failures.entry(e.to_string()).or_default().push(&d.name),
            }
        }
        if !failures.is_empty() {
            let lines: Vec<String> = failures
                .iter()
                .map(|(e, names)| format!("dataset {}: {e}", names.join(", ")))
                .collect();
            return Err(RunError::Setup(format!(
                "processor `{}`: setup failed (no event was read):\n  {}",
                spec.name,
                lines.join("\n  ")
            )));
        }
        Ok(RunSetup {
            spec,
            params,
            datasets,
            resources,
        })
    }

    /// [`RunSetup::new`] for the datasets of `plan`, checking that the plan is for
    /// `processor`.
    pub fn for_plan<P: Processor + ?Sized>(
        processor: &P,
        plan: &ChunkPlan,
        params: Params,
    ) -> Result<RunSetup, RunError> {
        let name = processor.spec().name;
        if plan.processor != name {
            return Err(RunError::Setup(format!(
                "the plan is for processor `{}`, not `{name}`",
                plan.processor
            )));
        }
        RunSetup::new(processor, plan.datasets()?, params)
    }

    /// Every branch read for dataset `i`: the spec's (as resolved for it), then those its
    /// prepared value names.
    pub fn branches_of(&self, i: usize) -> Vec<&str> {
        let res = &self.resources[i];
        res.branches
            .iter()
            .map(|&b| self.spec.branches[b].name)
            .chain(res.extra.iter().map(String::as_str))
            .collect()
    }

    /// An empty partial result of `plan` for this setup.
    pub fn empty_partial(&self, plan: &ChunkPlan) -> Result<Partial, RunError> {
        Ok(Partial::empty(plan, &self.spec, &self.datasets)?)
    }
}

/// A callback told about each chunk as it finishes (`true`: processed).
pub type OnChunk<'a> = &'a (dyn Fn(&PlannedChunk, bool) + Sync);
/// A callback given the partial result so far (to save it).
pub type OnCheckpoint<'a> = &'a (dyn Fn(&Partial) + Sync);

/// How to execute.
#[derive(Clone, Copy, Default)]
pub struct ExecOptions<'a> {
    /// Worker threads (0: all cores).
    pub threads: usize,
    pub on_chunk: Option<OnChunk<'a>>,
    /// Called at most once per interval while chunks finish.
    pub checkpoint: Option<(OnCheckpoint<'a>, Duration)>,
}

/// Runs chunks `ids` of `plan`, adding their results (or failures) to `partial`.
pub fn execute<P: Processor + ?Sized>(
    processor: &P,
    setup: &RunSetup,
    plan: &ChunkPlan,
    ids: &[usize],
    partial: Partial,
    opts: &ExecOptions<'_>,
) -> Result<Partial, RunError> {
    let chunks: Vec<&PlannedChunk> = ids.iter().map(|&i| &plan.chunks[i]).collect();
    let files = OpenFiles::new(&chunks, &plan.tree);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| RunError::Setup(format!("building the thread pool: {e}")))?;
    let state = Mutex::new((partial, Instant::now()));
    let merge_error: Mutex<Option<RunError>> = Mutex::new(None);
    pool.install(|| {
        chunks.par_iter().for_each(|chunk| {
            let result = files
                .tree(chunk)
                .and_then(|tree| run_chunk(processor, setup, &tree, chunk));
            files.release(chunk);
            let ok = result.is_ok();
            let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
            let (partial, last) = &mut *guard;
            if let Err(e) = partial.record(chunk.id, chunk.dataset, result) {
                merge_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e.into());
            }
            if let Some((save, every)) = opts.checkpoint
                && last.elapsed() >= every
            {
                save(partial);
                *last = Instant::now();
            }
            drop(guard);
            if let Some(f) = opts.on_chunk {
                f(chunk, ok);
            }
        });
    });
    if let Some(e) = merge_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(state.into_inner().unwrap_or_else(|e| e.into_inner()).0)
}

/// Reads one chunk's branches and runs the processor on it.
fn run_chunk<P: Processor + ?Sized>(
    processor: &P,
    setup: &RunSetup,
    tree: &Tree,
    chunk: &PlannedChunk,
) -> Result<ChunkOutput, String> {
    process_chunk(processor, setup, tree, chunk).map_err(|e| e.to_string())
}

fn process_chunk<P: Processor + ?Sized>(
    processor: &P,
    setup: &RunSetup,
    tree: &Tree,
    chunk: &PlannedChunk,
) -> Result<ChunkOutput, ProcessError> {
    let (spec, dataset) = (&setup.spec, &setup.datasets[chunk.dataset]);
    let res = &setup.resources[chunk.dataset];
    let names = setup.branches_of(chunk.dataset);
    let read = tree
        .read(&names, chunk.range(), ReadOptions::default())
        .map_err(|e| ProcessError::Other(e.to_string()))?;
    let mut columns: Vec<Option<crate::io::Column>> =
        vec![None; spec.branches.len() + res.extra.len()];
    let slots = res
        .branches
        .iter()
        .copied()
        .chain(spec.branches.len()..columns.len());
    for (i, c) in slots.zip(read) {
        columns[i] = Some(c);
    }
    let n = chunk.len() as usize;
    let all_names = spec
        .branches
        .iter()
        .map(|b| b.name.to_string())
        .chain(res.extra.iter().cloned())
        .collect();
    let columns = Columns::new(all_names, columns, n);
    let mut out = ChunkOutput::new(spec, dataset)?;
    out.initial = n as u64;
    if dataset.is_mc {
        let gw = spec
            .branches
            .iter()
            .position(|b| b.name == "genWeight")
            .ok_or_else(|| {
                ProcessError::Other("an MC run needs the `genWeight` branch to normalise".into())
            })?;
        for &w in columns.scalar::<f32>(BranchId::new(gw))? {
            out.sum_genweights.add(f64::from(w));
        }
    }
    let ctx = ChunkContext {
        dataset,
        lumi_pb: res.lumi_pb,
        lumimask: res.lumimask.as_deref(),
        params: &setup.params,
        prepared: Some(&res.prepared),
    };
    let processed = processor.process(&columns, &ctx, &mut out);
    columns.recycle();
    processed?;
    Ok(out)
}

/// The branches `prepared` names that are not among the spec's branches read, once each.
fn extra_branches(spec: &ProcessorSpec, read: &[usize], prepared: &Prepared) -> Vec<String> {
    let mut extra: Vec<String> = Vec::new();
    for name in prepared.branches() {
        let declared = read.iter().any(|&i| spec.branches[i].name == name);
        if !declared && !extra.contains(name) {
            extra.push(name.clone());
        }
    }
    extra
}

/// The branches of `spec` read for `dataset`: MC-only ones for simulation, `when` ones if
/// their condition holds, skippable ones unless `skip_branches` lists them.
fn branches_read(
    spec: &ProcessorSpec,
    dataset: &Dataset,
    params: &Params,
) -> Result<Vec<usize>, RunError> {
    let skipped = skipped(params)?;
    let mut read = Vec::new();
    for (i, b) in spec.branches.iter().enumerate() {
        let enabled = match b.when {
            Some(SKIPPABLE) => !skipped.iter().any(|s| s == b.name),
            Some(cond) => condition_holds(cond, params).map_err(|e| {
                RunError::Setup(format!("branch `{}` is read `when` {cond}: {e}", b.name))
            })?,
            None => true,
        };
        if enabled && (dataset.is_mc || !b.mc_only) {
            read.push(i);
        }
    }
    Ok(read)
}

/// The `when` of a branch the analysis may leave unread by listing it in the parameter
/// `skip_branches` (its field is then the type's default): a library collection's fields that
/// not every analysis needs, e.g. `Electron_charge`.
pub const SKIPPABLE: &str = "not in skip_branches";

fn skipped(params: &Params) -> Result<Vec<String>, RunError> {
    Ok(params
        .get_opt::<Vec<String>>("skip_branches")?
        .unwrap_or_default())
}

/// Every name in `skip_branches` must be a skippable branch of the processor.
fn check_skipped(spec: &ProcessorSpec, params: &Params) -> Result<(), RunError> {
    let skippable: Vec<&str> = spec
        .branches
        .iter()
        .filter(|b| b.when == Some(SKIPPABLE))
        .map(|b| b.name)
        .collect();
    for name in skipped(params)? {
        if !skippable.contains(&name.as_str()) {
            return Err(RunError::Setup(format!(
                "parameter `skip_branches`: `{name}` is not a branch processor `{}` may leave unread (those are: {})",
                spec.name,
                skippable.join(", ")
            )));
        }
    }
    Ok(())
}

/// A branch's `when` condition: a boolean parameter, or `key == value` (true unless `key`
/// is set to something else: a library collection reads the identification branch the
/// parameters name, and every one where they name none).
fn condition_holds(cond: &str, params: &Params) -> Result<bool, crate::config::ParamError> {
    match cond.split_once("==") {
        Some((key, value)) => {
            let key = key.trim();
            if !params.contains(key) {
                return Ok(true);
            }
            Ok(params.get::<String>(key)? == value.trim())
        }
        None => params.get::<bool>(cond),
    }
}

/// The input files of the chunks being run: each opened once when its first chunk starts
/// and closed after its last chunk, so only the files in use are held open.
struct OpenFiles<'a> {
    tree: &'a str,
    slots: HashMap<&'a str, Mutex<Slot>>,
}

#[derive(Default)]
struct Slot {
    tree: Option<Arc<Tree>>,
    error: Option<String>,
    remaining: usize,
}

impl<'a> OpenFiles<'a> {
    fn new(chunks: &[&'a PlannedChunk], tree: &'a str) -> Self {
        let mut counts: HashMap<&'a str, usize> = HashMap::new();
        for c in chunks {
            *counts.entry(c.file.as_str()).or_default() += 1;
        }
        let slots = counts
            .into_iter()
            .map(|(f, remaining)| {
                let slot = Slot {
                    remaining,
                    ..Slot::default()
                };
                (f, Mutex::new(slot))
            })
            .collect();
        OpenFiles { tree, slots }
    }

    /// The chunk's tree, opened on first use; a file whose UUID changed since planning is
    /// refused.
    fn tree(&self, chunk: &PlannedChunk) -> Result<Arc<Tree>, String> {
        let mut slot = self.slots[chunk.file.as_str()]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(e) = &slot.error {
            return Err(e.clone());
        }
        if let Some(t) = &slot.tree {
            return Ok(t.clone());
        }
        let opened = RootFile::open(&chunk.file)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                let uuid = crate::plan::file_identity(&f);
                if !chunk.uuid.is_empty() && uuid != chunk.uuid {
                    return Err(format!(
                        "{}: the file changed since the plan was made (UUID {uuid}, planned {})",
                        chunk.file, chunk.uuid
                    ));
                }
                f.tree(self.tree).map_err(|e| e.to_string())
            });
        match opened {
            Ok(t) => {
                let t = Arc::new(t);
                slot.tree = Some(t.clone());
                Ok(t)
            }
            Err(e) => {
                slot.error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// One chunk of the file is done; the last one closes it.
    fn release(&self, chunk: &PlannedChunk) {
        let mut slot = self.slots[chunk.file.as_str()]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        slot.remaining = slot.remaining.saturating_sub(1);
        if slot.remaining == 0 {
            slot.tree = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(yaml: &str) -> Params {
        Params::builder()
            .without_defaults()
            .yaml("test.yaml", yaml)
            .load()
            .unwrap()
    }

    #[test]
    fn when_conditions() {
        let p = params("corrections: false\nobject_preselection: {Muon: {id: tightId}}\n");
        assert!(!condition_holds("corrections", &p).unwrap());
        assert!(condition_holds("object_preselection.Muon.id == tightId", &p).unwrap());
        assert!(!condition_holds("object_preselection.Muon.id == mediumId", &p).unwrap());
        // Unset: read (a collection used without that parameter section keeps every field).
        assert!(
            condition_holds("object_preselection.Electron.id == mvaFall17V2Iso_WP80", &p).unwrap()
        );
        assert!(condition_holds("missing", &p).is_err());
    }
}
