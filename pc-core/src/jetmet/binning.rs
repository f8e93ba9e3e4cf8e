//! Bin lookup over a table's records: one or two binned variables, the second binning possibly
//! different in each bin of the first (coffea's and CMSSW's layout).

use super::text::Record;

/// Which record holds a point, and whether the point was outside the binning (it is then
/// attributed to the nearest edge bin).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinHit {
    pub record: usize,
    pub overflow: bool,
}

/// Bin edges of one variable and the record (or inner binning) of each bin.
#[derive(Clone, Debug)]
struct Axis<T> {
    edges: Vec<f64>,
    bins: Vec<T>,
}

impl<T> Axis<T> {
    /// Index of the bin holding `x`, clamped to the first/last bin, and whether `x` was outside.
    fn find(&self, x: f64) -> (&T, bool) {
        let n = self.bins.len();
        let above = self.edges.partition_point(|&e| e <= x);
        let i = above.saturating_sub(1).min(n - 1);
        let overflow = x < self.edges[0] || x > self.edges[n];
        (&self.bins[i], overflow)
    }
}

/// The binning of a table (1 or 2 binned variables).
#[derive(Clone, Debug)]
pub struct Binning(Kind);

#[derive(Clone, Debug)]
enum Kind {
    One(Axis<usize>),
    Two(Axis<Axis<usize>>),
}

impl Binning {
    /// Builds the lookup; the error says which variable's binning is malformed.
    pub fn new(records: &[Record], names: &[String]) -> Result<Binning, String> {
        let all: Vec<usize> = (0..records.len()).collect();
        match names.len() {
            1 => Ok(Binning(Kind::One(leaf_axis(records, &all, 0, &names[0])?))),
            2 => {
                let outer = edges(records, &all, 0, &names[0])?;
                let bins = outer
                    .windows(2)
                    .map(|w| {
                        let members: Vec<usize> = all
                            .iter()
                            .copied()
                            .filter(|&r| f64::from(records[r].bins[0].0) == w[0])
                            .collect();
                        leaf_axis(records, &members, 1, &names[1])
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Binning(Kind::Two(Axis { edges: outer, bins })))
            }
            n => Err(format!("{n} binned variables (1 or 2 supported)")),
        }
    }

    /// Looks up the record of a point given the values of the binned variables.
    pub fn find(&self, x: &[f64]) -> BinHit {
        match &self.0 {
            Kind::One(axis) => {
                let (&record, overflow) = axis.find(x[0]);
                BinHit { record, overflow }
            }
            Kind::Two(axis) => {
                let (inner, o1) = axis.find(x[0]);
                let (&record, o2) = inner.find(x[1]);
                BinHit {
                    record,
                    overflow: o1 || o2,
                }
            }
        }
    }
}

/// Sorted edges of variable `dim` over `members`: the minima and the last maximum, which
/// must tile the range without gaps or overlaps.
fn edges(
    records: &[Record],
    members: &[usize],
    dim: usize,
    name: &str,
) -> Result<Vec<f64>, String> {
    let sorted_unique = |pick: fn(&(f32, f32)) -> f32| {
        let mut v: Vec<f64> = members
            .iter()
            .map(|&r| f64::from(pick(&records[r].bins[dim])))
            .collect();
        v.sort_by(f64::total_cmp);
        v.dedup();
        v
    };
    let mins = sorted_unique(|b| b.0);
    let maxs = sorted_unique(|b| b.1);
    if mins.is_empty() || mins[1..] != maxs[..maxs.len() - 1] || mins.len() != maxs.len() {
        return Err(format!(
            "the bins of {name} do not tile a range (gap or overlap)"
        ));
    }
    let mut edges = mins;
    edges.push(*maxs.last().unwrap());
    Ok(edges)
}

/// The innermost axis: each bin must be held by exactly one record.
fn leaf_axis(
    records: &[Record],
    members: &[usize],
    dim: usize,
    name: &str,
) -> Result<Axis<usize>, String> {
    let edges = edges(records, members, dim, name)?;
    let bins = edges[..edges.len() - 1]
        .iter()
        .map(|&lo| {
            let mut hits = members
                .iter()
                .filter(|&&r| f64::from(records[r].bins[dim].0) == lo);
            match (hits.next(), hits.next()) {
                (Some(&r), None) => Ok(r),
                (Some(_), Some(&r)) => Err(format!(
                    "line {}: a second record for the {name} bin starting at {lo}",
                    records[r].line
                )),
                _ => unreachable!("every lower edge comes from a record"),
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(Axis { edges, bins })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: usize, bins: &[(f32, f32)]) -> Record {
        Record {
            line,
            bins: bins.to_vec(),
            values: vec![],
        }
    }

    #[test]
    fn one_dimension_clamps_and_flags_overflow() {
        let records = [rec(2, &[(-1.0, 0.0)]), rec(3, &[(0.0, 2.0)])];
        let b = Binning::new(&records, &["JetEta".into()]).unwrap();
        assert_eq!(
            b.find(&[-0.5]),
            BinHit {
                record: 0,
                overflow: false
            }
        );
        assert_eq!(
            b.find(&[0.0]),
            BinHit {
                record: 1,
                overflow: false
            }
        );
        assert_eq!(
            b.find(&[2.0]),
            BinHit {
                record: 1,
                overflow: false
            }
        );
        assert_eq!(
            b.find(&[2.5]),
            BinHit {
                record: 1,
                overflow: true
            }
        );
        assert_eq!(
            b.find(&[-3.0]),
            BinHit {
                record: 0,
                overflow: true
            }
        );
    }

    #[test]
    fn two_dimensions_with_different_inner_bins() {
        let records = [
            rec(2, &[(-1.0, 0.0), (0.0, 10.0)]),
            rec(3, &[(-1.0, 0.0), (10.0, 20.0)]),
            rec(4, &[(0.0, 1.0), (0.0, 5.0)]),
            rec(5, &[(0.0, 1.0), (5.0, 30.0)]),
        ];
        let b = Binning::new(&records, &["JetEta".into(), "Rho".into()]).unwrap();
        assert_eq!(b.find(&[-0.5, 12.0]).record, 1);
        assert_eq!(b.find(&[0.5, 12.0]).record, 3);
        assert!(b.find(&[0.5, 31.0]).overflow);
    }

    #[test]
    fn gaps_and_duplicates_are_errors() {
        let gap = [rec(2, &[(-1.0, 0.0)]), rec(3, &[(0.5, 2.0)])];
        assert!(
            Binning::new(&gap, &["JetEta".into()])
                .unwrap_err()
                .contains("JetEta")
        );
        let dup = [rec(2, &[(-1.0, 0.0)]), rec(3, &[(-1.0, 0.0)])];
        assert!(
            Binning::new(&dup, &["JetEta".into()])
                .unwrap_err()
                .contains("line 3")
        );
    }
}
