//! Typed access to the columns of one chunk, for generated and hand-written processors.

use super::ids::BranchId;
use crate::io::{Column, Layout, LeafType, Values};

/// A Rust element type that a branch can be read as.
pub trait Element: Copy + Send + Sync + 'static {
    /// The leaf type this Rust type corresponds to.
    const LEAF: LeafType;
    /// The values as this type, if they are of it.
    fn slice(values: &Values) -> Option<&[Self]>;
    /// Values of this type.
    fn from_vec(v: Vec<Self>) -> Values;
    /// The buffer of values of this type, if they are of it.
    fn into_vec(values: Values) -> Option<Vec<Self>>;
}

macro_rules! element {
    ($($t:ty => $leaf:ident),* $(,)?) => {$(
        impl Element for $t {
            const LEAF: LeafType = LeafType::$leaf;
            fn slice(values: &Values) -> Option<&[Self]> {
                match values {
                    Values::$leaf(v) => Some(v),
                    _ => None,
                }
            }
            fn from_vec(v: Vec<Self>) -> Values {
                Values::$leaf(v)
            }
            fn into_vec(values: Values) -> Option<Vec<Self>> {
                match values {
                    Values::$leaf(v) => Some(v),
                    _ => None,
                }
            }
        }
    )*};
}
element!(bool => Bool, i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32,
         i64 => I64, u64 => U64, f32 => F32, f64 => F64);

/// A counted-array column: entry `i` holds `values[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Copy, Debug)]
pub struct Jagged<'a, T> {
    pub offsets: &'a [u32],
    pub values: &'a [T],
}

impl<'a, T> Jagged<'a, T> {
    /// The values of entry `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &'a [T] {
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// The index range of entry `i` in `values`.
    #[inline]
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }
}

/// Why a column cannot be used as asked.
#[derive(Debug, thiserror::Error)]
pub enum ColumnError {
    #[error("branch `{0}` was not read (not declared, or MC-only in a data file)")]
    Missing(String),
    #[error("branch `{branch}` is {found} in the file, the analysis declares {declared}")]
    Type {
        branch: String,
        found: &'static str,
        declared: &'static str,
    },
    #[error(
        "collection `{collection}`: entry {entry} has {first_count} values in `{first}` but \
         {other_count} in `{other}` (the arrays of a collection must have the same counts)"
    )]
    Counts {
        collection: String,
        first: String,
        other: String,
        entry: usize,
        first_count: u32,
        other_count: u32,
    },
    #[error("branch `{branch}` is {found}, the analysis declares a {declared}")]
    Shape {
        branch: String,
        found: &'static str,
        declared: &'static str,
    },
}

/// The columns of one chunk, in the order the processor declared its branches, then the
/// branches its [`Prepared`](super::Prepared) value names for the dataset.
#[derive(Debug, Default)]
pub struct Columns {
    columns: Vec<Option<Column>>,
    names: Vec<String>,
    entries: usize,
}

impl Columns {
    /// Wraps columns read for `names` (`None` where a branch was not read).
    pub fn new(names: Vec<String>, columns: Vec<Option<Column>>, entries: usize) -> Columns {
        Columns {
            columns,
            names,
            entries,
        }
    }

    /// Hands the columns' buffers back to this thread for the next chunk's read
    /// ([`crate::io::recycle`]).
    pub fn recycle(self) {
        self.columns
            .into_iter()
            .flatten()
            .for_each(crate::io::recycle::recycle);
    }

    /// Number of entries (events) in the chunk.
    pub fn entries(&self) -> usize {
        self.entries
    }

    fn column(&self, i: BranchId) -> Result<&Column, ColumnError> {
        let i = i.index();
        self.columns
            .get(i)
            .and_then(Option::as_ref)
            .ok_or_else(|| match self.names.get(i) {
                Some(name) => ColumnError::Missing(name.to_string()),
                None => ColumnError::Missing(format!("#{i} (not declared)")),
            })
    }

    fn values<'a, T: Element>(&self, c: &'a Column) -> Result<&'a [T], ColumnError> {
        T::slice(&c.values).ok_or_else(|| ColumnError::Type {
            branch: c.name.clone(),
            found: c.values.leaf_type().root_name(),
            declared: T::LEAF.root_name(),
        })
    }

    /// The id of the branch called `name`, if it was read.
    pub fn find(&self, name: &str) -> Option<BranchId> {
        self.names
            .iter()
            .zip(&self.columns)
            .position(|(n, c)| n == name && c.is_some())
            .map(BranchId::new)
    }

    /// The values of scalar branch `name` (one per event), read because a
    /// [`Prepared`](super::Prepared) value named it.
    pub fn scalar_named<T: Element>(&self, name: &str) -> Result<&[T], ColumnError> {
        self.values(self.scalar_column(self.named(name)?)?)
    }

    /// The values of scalar branch `name` whatever their type (a count whose type changed
    /// between NanoAOD versions, e.g. `PV_npvsGood`).
    pub fn values_named(&self, name: &str) -> Result<&crate::io::Values, ColumnError> {
        Ok(&self.scalar_column(self.named(name)?)?.values)
    }

    fn named(&self, name: &str) -> Result<BranchId, ColumnError> {
        self.find(name)
            .ok_or_else(|| ColumnError::Missing(name.to_string()))
    }

    /// Branch `i`, which must hold one value per event.
    fn scalar_column(&self, i: BranchId) -> Result<&Column, ColumnError> {
        let c = self.column(i)?;
        if !matches!(c.layout, Layout::Scalar) {
            return Err(ColumnError::Shape {
                branch: c.name.clone(),
                found: "an array",
                declared: "scalar",
            });
        }
        Ok(c)
    }

    /// Whether branch `i` was read.
    pub fn has(&self, i: BranchId) -> bool {
        matches!(self.columns.get(i.index()), Some(Some(_)))
    }

    /// Branch `i` as one value per event.
    pub fn scalar<T: Element>(&self, i: BranchId) -> Result<&[T], ColumnError> {
        self.values(self.scalar_column(i)?)
    }

    /// Branch `i` as one value per event, if it was read (`None` for an MC-only branch in
    /// data, or a `when` branch whose parameter is false).
    pub fn scalar_opt<T: Element>(&self, i: BranchId) -> Result<Option<&[T]>, ColumnError> {
        self.has(i).then(|| self.scalar(i)).transpose()
    }

    /// Checks that the counted arrays `ids` of `collection` that were read (e.g. `Muon_pt`,
    /// `Muon_eta`) have the same number of values in every entry.
    pub fn check_counts(&self, collection: &str, ids: &[BranchId]) -> Result<(), ColumnError> {
        let mut read = ids.iter().filter_map(|&i| {
            let c = self.columns.get(i.index())?.as_ref()?;
            match &c.layout {
                Layout::Jagged(offsets) => Some((c, offsets)),
                _ => None,
            }
        });
        let Some((first, offsets)) = read.next() else {
            return Ok(());
        };
        for (other, o) in read {
            if o == offsets {
                continue;
            }
            let count = |x: &[u32], e: usize| match (x.get(e), x.get(e + 1)) {
                (Some(a), Some(b)) => b.wrapping_sub(*a),
                _ => 0,
            };
            let entry = (0..offsets.len().max(o.len()))
                .find(|&e| count(offsets, e) != count(o, e))
                .unwrap_or(0);
            return Err(ColumnError::Counts {
                collection: collection.to_string(),
                first: first.name.clone(),
                other: other.name.clone(),
                entry,
                first_count: count(offsets, entry),
                other_count: count(o, entry),
            });
        }
        Ok(())
    }

    /// Branch `i` as a counted array.
    pub fn jagged<T: Element>(&self, i: BranchId) -> Result<Jagged<'_, T>, ColumnError> {
        let c = self.column(i)?;
        let Layout::Jagged(offsets) = &c.layout else {
            return Err(ColumnError::Shape {
                branch: c.name.clone(),
                found: "not a counted array",
                declared: "counted array",
            });
        };
        Ok(Jagged {
            offsets,
            values: self.values(c)?,
        })
    }
}
