//! Order-independent summation: [`ExactSum`] accumulates f64 values into a wide
//! fixed-point integer, so the result depends only on the multiset of values added,
//! never on the order or grouping. Chunk sizes and thread counts then cannot change a
//! histogram by even one bit.
//!
//! The window covers 2^-(32·LOW_LIMBS) .. 2^(32·(LIMBS-LOW_LIMBS)) with 31 bits of headroom
//! per limb; parts of a value below the window are truncated (deterministically, per
//! value), values above it are rejected as non-finite (a histogram with such a weight is
//! an error anyway).

/// Number of 32-bit digits.
const LIMBS: usize = 10;
/// Digits below the binary point: the smallest digit is worth 2^-(32·LOW_LIMBS).
const LOW_LIMBS: i32 = 5;
/// Additions between carry normalisations (each adds < 2^32 per limb; i64 holds 2^62).
const MAX_PENDING: u32 = 1 << 29;

/// An exact sum of f64 values (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExactSum {
    limbs: [i64; LIMBS],
    pending: u32,
    /// Set when a value was non-finite or too large for the window.
    overflow: bool,
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            limbs: [0; LIMBS],
            pending: 0,
            overflow: false,
        }
    }
}

impl ExactSum {
    /// Adds `x`.
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x == 0.0 {
            return;
        }
        let bits = x.to_bits();
        let exp_field = ((bits >> 52) & 0x7ff) as i32;
        if exp_field == 0x7ff {
            self.overflow = true;
            return;
        }
        let (mantissa, exp) = if exp_field == 0 {
            (bits & ((1 << 52) - 1), -1074)
        } else {
            ((bits & ((1 << 52) - 1)) | (1 << 52), exp_field - 1075)
        };
        // x = ±mantissa · 2^exp; position of bit 0 of the mantissa in the digit string.
        let pos = exp + 32 * LOW_LIMBS;
        let (mantissa, pos) = if pos < 0 {
            let drop = (-pos) as u32;
            if drop >= 53 {
                return; // entirely below the window
            }
            (mantissa >> drop, 0)
        } else {
            (mantissa, pos)
        };
        let limb = (pos / 32) as usize;
        let shift = (pos % 32) as u32;
        if limb + 2 >= LIMBS {
            self.overflow = true;
            return;
        }
        let wide = u128::from(mantissa) << shift; // < 2^85: three digits
        let digits = [wide as u32, (wide >> 32) as u32, (wide >> 64) as u32];
        let negative = bits >> 63 == 1;
        for (k, d) in digits.into_iter().enumerate() {
            let d = i64::from(d);
            self.limbs[limb + k] += if negative { -d } else { d };
        }
        self.pending += 1;
        if self.pending >= MAX_PENDING {
            self.normalise();
        }
    }

    /// Adds another sum exactly.
    pub fn merge(&mut self, other: &ExactSum) {
        let mut o = *other;
        o.normalise();
        self.normalise();
        for (a, b) in self.limbs.iter_mut().zip(o.limbs) {
            *a += b;
        }
        self.overflow |= o.overflow;
        self.pending = 1;
        self.normalise();
    }

    /// Propagates carries so every digit but the top one is in [0, 2^32).
    fn normalise(&mut self) {
        let mut carry = 0i64;
        for l in &mut self.limbs[..LIMBS - 1] {
            let v = *l + carry;
            carry = v >> 32;
            *l = v & 0xffff_ffff;
        }
        self.limbs[LIMBS - 1] += carry;
        self.pending = 0;
    }

    /// The sum as f64 (a function of the exact value only); NaN after an overflow.
    pub fn value(&self) -> f64 {
        if self.overflow {
            return f64::NAN;
        }
        let mut n = *self;
        n.normalise();
        // Two's-complement digit string: read it as a signed multi-word integer.
        let negative = n.limbs[LIMBS - 1] < 0;
        if negative {
            // Negate: value = -(~x + 1).
            let mut carry = 1i64;
            for l in &mut n.limbs[..LIMBS - 1] {
                let v = (!*l & 0xffff_ffff) + carry;
                carry = v >> 32;
                *l = v & 0xffff_ffff;
            }
            n.limbs[LIMBS - 1] = -n.limbs[LIMBS - 1] - 1 + carry;
        }
        // Correct rounding: the top nonzero digits into a u128 with a sticky bit.
        let top = match n.limbs.iter().rposition(|&l| l != 0) {
            Some(t) => t,
            None => return 0.0,
        };
        let mut acc: u128 = 0;
        let mut sticky = false;
        for (k, &l) in n.limbs.iter().enumerate().rev() {
            if k + 3 > top {
                acc = (acc << 32) | l as u128;
            } else if l != 0 {
                sticky = true;
            }
        }
        let low_k = top.saturating_sub(2);
        // value = acc · 2^(32·low_k − 32·LOW_LIMBS), plus something below if sticky.
        let lz = acc.leading_zeros();
        let shift = 128 - lz - 53; // bits to drop to keep 53
        let exp_base = 32 * low_k as i32 - 32 * LOW_LIMBS;
        let (m, e) = if shift as i32 > 0 {
            let s = shift;
            let rem = acc & ((1u128 << s) - 1);
            let half = 1u128 << (s - 1);
            let mut m = acc >> s;
            let above_half = rem > half || (rem == half && (sticky || m & 1 == 1));
            if above_half {
                m += 1;
            }
            (m as f64, exp_base + s as i32)
        } else {
            (acc as f64, exp_base)
        };
        let v = m * 2f64.powi(e);
        if negative { -v } else { v }
    }
}

/// The compact text form written in partial results: `0`, `nan` (after an overflow), or
/// `LOW:DIGITS` where DIGITS are the 32-bit digits from `LOW` upwards, highest first, in
/// hex, the highest one signed (`2:-1,80000000`). Exact: parsing gives back the same sum.
impl std::fmt::Display for ExactSum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.overflow {
            return f.write_str("nan");
        }
        let mut n = *self;
        n.normalise();
        let Some(hi) = n.limbs.iter().rposition(|&l| l != 0) else {
            return f.write_str("0");
        };
        let lo = n.limbs.iter().position(|&l| l != 0).unwrap_or(hi);
        write!(f, "{lo}:")?;
        for k in (lo..=hi).rev() {
            let l = n.limbs[k];
            if k < hi {
                f.write_str(",")?;
            }
            if l < 0 {
                write!(f, "-{:x}", l.unsigned_abs())?;
            } else {
                write!(f, "{l:x}")?;
            }
        }
        Ok(())
    }
}

/// Why a text is not an [`ExactSum`].
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an exact sum (expected `0`, `nan` or `LOW:HEX,...`)")]
pub struct ParseExactSumError(String);

impl std::str::FromStr for ExactSum {
    type Err = ParseExactSumError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseExactSumError(s.chars().take(60).collect());
        let mut sum = ExactSum::default();
        match s {
            "0" => return Ok(sum),
            "nan" => {
                sum.overflow = true;
                return Ok(sum);
            }
            _ => {}
        }
        let (lo, digits) = s.split_once(':').ok_or_else(bad)?;
        let lo: usize = lo.parse().map_err(|_| bad())?;
        let digits: Vec<&str> = digits.split(',').collect();
        if digits.is_empty() || lo + digits.len() > LIMBS {
            return Err(bad());
        }
        let top = lo + digits.len() - 1;
        for (i, d) in digits.iter().enumerate() {
            let k = top - i;
            let (negative, hex) = match d.strip_prefix('-') {
                Some(h) => (true, h),
                None => (false, *d),
            };
            let v = i64::from_str_radix(hex, 16).map_err(|_| bad())?;
            // Only the top digit may be negative or exceed 32 bits.
            if k != LIMBS - 1 && k != top && (negative || v > 0xffff_ffff) {
                return Err(bad());
            }
            sum.limbs[k] = if negative { -v } else { v };
        }
        sum.normalise();
        Ok(sum)
    }
}

impl serde::Serialize for ExactSum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ExactSum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(values: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        values.iter().for_each(|&v| s.add(v));
        s.value()
    }

    #[test]
    fn exact_and_order_independent() {
        assert_eq!(sum(&[1.0, 1e40, 1.0, -1e40]), 2.0);
        assert_eq!(sum(&[0.1, 0.2, 0.3]), 0.6); // math.fsum: the correctly rounded 0.6
        assert_eq!(sum(&[-3.5, 1.25]), -2.25);
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(sum(&[5e-324, 1.0]), 1.0);
        let mut state = 12345u64;
        let values: Vec<f64> = (0..20_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let m = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.3;
                m * 10f64.powi(((state >> 3) % 24) as i32 - 8)
            })
            .collect();
        let forward = sum(&values);
        let mut rev = values.clone();
        rev.reverse();
        assert_eq!(forward.to_bits(), sum(&rev).to_bits());
        // Grouped differently and merged.
        let (a, b) = values.split_at(7_777);
        let (mut x, mut y) = (ExactSum::default(), ExactSum::default());
        a.iter().for_each(|&v| x.add(v));
        b.iter().for_each(|&v| y.add(v));
        y.merge(&x);
        assert_eq!(forward.to_bits(), y.value().to_bits());
        // Close to the naive sum.
        let naive: f64 = values.iter().sum();
        assert!((forward - naive).abs() <= 1e-9 * naive.abs().max(1.0));
    }

    #[test]
    fn correctly_rounded_against_integer_sums() {
        // Sums of integers are exact in i128: compare.
        let vals: Vec<i64> = (0..1000)
            .map(|i| (i * 7919 % 1_000_003) as i64 * if i % 3 == 0 { -1 } else { 1 } * (1 << 40))
            .collect();
        let exact: i128 = vals.iter().map(|&v| v as i128).sum();
        assert_eq!(
            sum(&vals.iter().map(|&v| v as f64).collect::<Vec<_>>()),
            exact as f64
        );
    }

    #[test]
    fn overflow_and_nan_are_flagged() {
        assert!(sum(&[f64::NAN]).is_nan());
        assert!(sum(&[1e300]).is_nan());
        assert!(!sum(&[1e44, 1e-45]).is_nan());
        assert!(sum(&[f64::INFINITY, 1.0]).is_nan());
    }

    #[test]
    fn text_form_round_trips_exactly() {
        let cases: [&[f64]; 6] = [
            &[],
            &[1.0],
            &[-2.25, 0.1],
            &[1e40, -3e-40, 7.5],
            &[-1e30, 1e-40],
            &[f64::NAN],
        ];
        for values in cases {
            let mut s = ExactSum::default();
            values.iter().for_each(|&v| s.add(v));
            let text = s.to_string();
            let back: ExactSum = text.parse().unwrap();
            assert_eq!(back.to_string(), text);
            assert_eq!(back.value().to_bits(), s.value().to_bits(), "{text}");
            // Adding more after the round trip gives the same as without it.
            let (mut a, mut b) = (s, back);
            a.add(0.3);
            b.add(0.3);
            assert_eq!(a.value().to_bits(), b.value().to_bits());
        }
        let json = serde_json::to_string(&ExactSum::default()).unwrap();
        assert_eq!(json, "\"0\"");
        for bad in ["", "1", "x:1", "9:1,2", "0:1,-2", "0:zz"] {
            assert!(bad.parse::<ExactSum>().is_err(), "{bad}");
        }
    }
}
