//! PocketCoffea's standard skim cuts as [`EventCut`]s, configured by the parameters of the
//! dataset's year: `skim![GoodPv<1>, EventFlags, GoldenJson, Hlt]` in a `#[processor]`
//! module is PocketCoffea's `[get_nPVgood(1), eventFlags, goldenJson, get_HLTsel()]`.

use crate::io::Values;
use crate::lumimask::LumiMask;
use crate::run::{BoxError, ChunkContext, ColumnError, Columns, EventCut};

/// At least `N` good primary vertices, `PV_npvsGood >= N` (`get_nPVgood(N)`).
pub struct GoodPv<const N: i64>;

impl<const N: i64> EventCut for GoodPv<N> {
    type Chunk<'c> = &'c Values;

    fn setup(_: &ChunkContext<'_>) -> Result<Self, BoxError> {
        Ok(GoodPv)
    }

    fn branches(&self) -> Vec<String> {
        vec!["PV_npvsGood".into()]
    }

    fn chunk<'c>(
        &'c self,
        c: &'c Columns,
        _: &'c ChunkContext<'c>,
    ) -> Result<&'c Values, ColumnError> {
        // An `Int_t` up to NanoAOD v11, a `UChar_t` from v12.
        c.values_named("PV_npvsGood")
    }

    fn pass(npvs: &&Values, event: usize) -> bool {
        npvs.int_at(event).is_some_and(|n| n >= N)
    }
}

/// The MET filters of the year, `Flag_{name}` for each name in `event_flags.{year}` and, for
/// data, `event_flags_data.{year}` (`eventFlags`).
pub struct EventFlags(Vec<String>);

impl EventCut for EventFlags {
    type Chunk<'c> = Vec<&'c [bool]>;

    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        let year = &ctx.dataset.year;
        let mut flags: Vec<String> = ctx.params.get(&format!("event_flags.{year}"))?;
        if !ctx.dataset.is_mc {
            flags.extend(
                ctx.params
                    .get::<Vec<String>>(&format!("event_flags_data.{year}"))?,
            );
        }
        Ok(EventFlags(
            flags.iter().map(|f| format!("Flag_{f}")).collect(),
        ))
    }

    fn branches(&self) -> Vec<String> {
        self.0.clone()
    }

    fn chunk<'c>(
        &'c self,
        c: &'c Columns,
        _: &'c ChunkContext<'c>,
    ) -> Result<Self::Chunk<'c>, ColumnError> {
        self.0.iter().map(|f| c.scalar_named::<bool>(f)).collect()
    }

    fn pass(flags: &Vec<&[bool]>, event: usize) -> bool {
        flags.iter().all(|f| f[event])
    }
}

/// Data: the (run, luminosity block) is certified by the year's golden JSON
/// (`lumi.goldenJSON.{year}`); simulation passes (`goldenJson`).
pub struct GoldenJson {
    data: bool,
}

/// The columns [`GoldenJson`] tests: the mask, `run` and `luminosityBlock`.
pub type Certified<'c> = Option<(&'c LumiMask, &'c [u32], &'c [u32])>;

impl EventCut for GoldenJson {
    type Chunk<'c> = Certified<'c>;

    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        Ok(GoldenJson {
            data: !ctx.dataset.is_mc,
        })
    }

    fn branches(&self) -> Vec<String> {
        match self.data {
            true => vec!["run".into(), "luminosityBlock".into()],
            false => Vec::new(),
        }
    }

    fn chunk<'c>(
        &'c self,
        c: &'c Columns,
        ctx: &'c ChunkContext<'c>,
    ) -> Result<Certified<'c>, ColumnError> {
        match (self.data, ctx.lumimask) {
            (true, Some(mask)) => Ok(Some((
                mask,
                c.scalar_named("run")?,
                c.scalar_named("luminosityBlock")?,
            ))),
            _ => Ok(None),
        }
    }

    fn pass(c: &Certified<'_>, event: usize) -> bool {
        c.is_none_or(|(mask, runs, lumis)| mask.contains(runs[event], lumis[event]))
    }
}

/// The HLT paths of the year, `HLT_triggers.{year}.{primary dataset}` (`get_HLTsel()`):
/// simulation passes the OR of every primary dataset's paths; data passes the OR of its own
/// primary dataset's paths and, so that an event recorded in two streams is counted once,
/// none of the paths of the primary datasets listed before it (PocketCoffea's overlap
/// removal with `get_HLTsel(primaryDatasets=[..], invert=True)` subsamples, in list order).
pub struct Hlt {
    fire: Vec<String>,
    veto: Vec<String>,
}

/// The trigger bits [`Hlt`] tests: paths of which one must fire, paths none of which may.
pub type TriggerBits<'c> = (Vec<&'c [bool]>, Vec<&'c [bool]>);

impl Hlt {
    /// The paths for a dataset of `year`: `primary_dataset` for data, `None` for simulation.
    pub fn for_dataset(
        params: &crate::config::Params,
        year: &str,
        primary_dataset: Option<&str>,
    ) -> Result<Hlt, BoxError> {
        let key = format!("HLT_triggers.{year}");
        let streams = params.keys(&key)?;
        let paths = |pd: &str| -> Result<Vec<String>, BoxError> {
            let list: Vec<String> = params.get(&format!("{key}.{pd}"))?;
            Ok(list
                .iter()
                .map(|p| format!("HLT_{}", p.strip_prefix("HLT_").unwrap_or(p)))
                .collect())
        };
        let Some(pd) = primary_dataset else {
            let mut fire = Vec::new();
            for pd in &streams {
                fire.extend(paths(pd)?);
            }
            return Ok(Hlt {
                fire,
                veto: Vec::new(),
            });
        };
        let at = streams.iter().position(|s| *s == pd).ok_or_else(|| {
            format!(
                "primary dataset `{pd}` has no triggers in parameters `{key}` (it lists {})",
                streams.join(", ")
            )
        })?;
        let mut veto = Vec::new();
        for earlier in &streams[..at] {
            veto.extend(paths(earlier)?);
        }
        let fire = paths(pd)?;
        veto.retain(|p| !fire.contains(p));
        Ok(Hlt { fire, veto })
    }
}

impl EventCut for Hlt {
    type Chunk<'c> = TriggerBits<'c>;

    fn setup(ctx: &ChunkContext<'_>) -> Result<Self, BoxError> {
        let d = ctx.dataset;
        let pd = match (d.is_mc, &d.primary_dataset) {
            (true, _) => None,
            (false, Some(pd)) => Some(pd.as_str()),
            (false, None) => {
                return Err(format!(
                    "data dataset `{}` has no `primaryDataset` metadata (the HLT skim needs it)",
                    d.name
                )
                .into());
            }
        };
        Hlt::for_dataset(ctx.params, &d.year, pd)
    }

    fn branches(&self) -> Vec<String> {
        self.fire.iter().chain(&self.veto).cloned().collect()
    }

    fn chunk<'c>(
        &'c self,
        c: &'c Columns,
        _: &'c ChunkContext<'c>,
    ) -> Result<TriggerBits<'c>, ColumnError> {
        let bits = |paths: &'c [String]| -> Result<Vec<&'c [bool]>, ColumnError> {
            paths.iter().map(|p| c.scalar_named::<bool>(p)).collect()
        };
        Ok((bits(&self.fire)?, bits(&self.veto)?))
    }

    fn pass((fire, veto): &TriggerBits<'_>, event: usize) -> bool {
        fire.iter().any(|p| p[event]) && !veto.iter().any(|p| p[event])
    }
}
