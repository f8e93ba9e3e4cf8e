//! Exactness of the correctionlib evaluator against Python correctionlib 2.7.0 on every
//! correction of the shared files (`validation/correction_reference.py` writes the
//! reference: input tables, the splitmix64 seed that draws rows from them, and
//! correctionlib's output or error per row).

use crate::common::{root, shared_data};
use pc_core::correction::{CorrectionSet, Input, Value};
use std::collections::HashMap;

const ERROR: u32 = u32::MAX;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        s
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().unwrap())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().unwrap())
    }
    fn str(&mut self) -> &'a str {
        let n = self.u16() as usize;
        std::str::from_utf8(self.take(n)).unwrap()
    }
}

enum Table<'a> {
    Real(Vec<f64>),
    Int(Vec<i64>),
    Str(Vec<&'a str>),
}

impl Table<'_> {
    fn len(&self) -> usize {
        match self {
            Table::Real(t) => t.len(),
            Table::Int(t) => t.len(),
            Table::Str(t) => t.len(),
        }
    }
    fn value(&self, i: usize) -> Value<'_> {
        match self {
            Table::Real(t) => Value::Real(t[i]),
            Table::Int(t) => Value::Int(t[i]),
            Table::Str(t) => Value::Str(t[i]),
        }
    }
}

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

#[test]
fn every_correction_matches_python_correctionlib() {
    let packed = std::fs::read(root().join("validation/correction_reference.bin.xz")).unwrap();
    let raw = liblzma::decode_all(&packed[..]).unwrap();
    let mut r = Reader {
        bytes: &raw,
        pos: 0,
    };
    assert_eq!(r.take(8), b"PCCREF01");
    let entries = r.u32();
    let mut sets: HashMap<String, CorrectionSet> = HashMap::new();
    let (mut checked, mut errors, mut failures) = (0usize, 0usize, Vec::new());
    for _ in 0..entries {
        let file = r.str().to_string();
        let name = r.str().to_string();
        let compound = r.u8() == 1;
        let seed = r.u64();
        let rows = r.u32() as usize;
        let n_inputs = r.u8() as usize;
        let tables: Vec<Table> = (0..n_inputs)
            .map(|_| {
                let code = r.u8();
                let n = r.u32() as usize;
                match code {
                    0 => Table::Real((0..n).map(|_| f64::from_bits(r.u64())).collect()),
                    1 => Table::Int((0..n).map(|_| r.u64() as i64).collect()),
                    _ => Table::Str((0..n).map(|_| r.str()).collect()),
                }
            })
            .collect();
        let distinct: Vec<f64> = (0..r.u32()).map(|_| f64::from_bits(r.u64())).collect();
        let expected: Vec<u32> = (0..rows).map(|_| r.u32()).collect();

        let path = if file == "@nodes" {
            root().join("validation/correction_nodes.json")
        } else {
            shared_data().join("corrections").join(&file)
        };
        let set = sets
            .entry(file.clone())
            .or_insert_with(|| CorrectionSet::from_file(&path).unwrap());
        let evaluate = |values: &[Value]| {
            if compound {
                set.compound(&name).unwrap().evaluate(values)
            } else {
                set.get(&name).unwrap().evaluate(values)
            }
        };
        let mut rng = SplitMix64(seed);
        let mut ok_rows: Vec<Vec<Value>> = Vec::new();
        let mut ok_expected = Vec::new();
        for &want in &expected {
            let values: Vec<Value> = tables
                .iter()
                .map(|t| t.value((rng.next() % t.len() as u64) as usize))
                .collect();
            let got = evaluate(&values);
            checked += 1;
            match (want, got) {
                (ERROR, Err(_)) => errors += 1,
                (ERROR, Ok(v)) => failures.push(format!(
                    "{file} {name} {values:?}: Python raised, we gave {v}"
                )),
                (i, Err(e)) => failures.push(format!(
                    "{file} {name} {values:?}: Python gave {}, we: {e}",
                    distinct[i as usize]
                )),
                (i, Ok(v)) if !same(v, distinct[i as usize]) => failures.push(format!(
                    "{file} {name} {values:?}: Python gave {:e}, we {v:e}",
                    distinct[i as usize]
                )),
                (i, Ok(_)) => {
                    ok_rows.push(values);
                    ok_expected.push(distinct[i as usize]);
                }
            }
        }
        // The rows Python evaluated, once more as columns.
        let columns: Vec<Vec<Value>> = (0..n_inputs)
            .map(|k| ok_rows.iter().map(|row| row[k]).collect())
            .collect();
        let reals: Vec<Vec<f64>> = columns
            .iter()
            .map(|c| {
                c.iter()
                    .map(|v| if let Value::Real(x) = v { *x } else { 0.0 })
                    .collect()
            })
            .collect();
        let ints: Vec<Vec<i64>> = columns
            .iter()
            .map(|c| {
                c.iter()
                    .map(|v| if let Value::Int(x) = v { *x } else { 0 })
                    .collect()
            })
            .collect();
        let strs: Vec<Vec<&str>> = columns
            .iter()
            .map(|c| {
                c.iter()
                    .map(|v| if let Value::Str(x) = v { *x } else { "" })
                    .collect()
            })
            .collect();
        let inputs: Vec<Input> = (0..n_inputs)
            .map(|k| match tables[k] {
                Table::Real(_) => Input::Reals(&reals[k]),
                Table::Int(_) => Input::Ints(&ints[k]),
                Table::Str(_) => Input::Strs(&strs[k]),
            })
            .collect();
        let mut out = Vec::new();
        let result = if compound {
            set.compound(&name)
                .unwrap()
                .evaluate_columns(&inputs, &mut out)
        } else {
            set.get(&name).unwrap().evaluate_columns(&inputs, &mut out)
        };
        match result {
            Ok(()) => {
                let bad = out
                    .iter()
                    .zip(&ok_expected)
                    .filter(|(a, b)| !same(**a, **b))
                    .count();
                if bad > 0 || out.len() != ok_expected.len() {
                    failures.push(format!("{file} {name}: {bad} column results differ"));
                }
            }
            Err(e) => failures.push(format!("{file} {name}: column evaluation failed: {e}")),
        }
    }
    assert_eq!(r.pos, raw.len(), "trailing bytes in the reference");
    assert!(
        entries >= 70 && checked >= 70 * 10_000,
        "{entries} entries, {checked} rows"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} rows differ ({errors} expected errors), e.g.:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
