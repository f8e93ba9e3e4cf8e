//! Deterministic random numbers seeded by the inputs, bit-compatible with correctionlib:
//! xxhash64 (seed 0) of the inputs' 8-byte little-endian representations (ints
//! sign-extended, reals by their bits) seeds a PCG32 (`pcg32_oneseq`), sampled as
//! libstdc++'s `uniform_real_distribution` / `normal_distribution` (Marsaglia's polar
//! method) or correctionlib's own polar method for `normal`.

use super::value::Value;

/// The distribution a `hashprng` node samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Uniform in [0, 1).
    StdFlat,
    /// Standard normal, as `std::normal_distribution`.
    StdNormal,
    /// Standard normal, correctionlib's faster polar variant.
    Normal,
}

/// Most inputs hashed without allocating.
const INLINE: usize = 8;

pub(crate) fn sample<'a>(
    inputs: impl ExactSizeIterator<Item = Value<'a>>,
    dist: Distribution,
) -> f64 {
    let n = inputs.len();
    let mut inline = [0u8; INLINE * 8];
    let mut heap = Vec::new();
    let bytes: &mut [u8] = if n <= INLINE {
        &mut inline[..n * 8]
    } else {
        heap.resize(n * 8, 0);
        &mut heap
    };
    for (chunk, v) in bytes.chunks_exact_mut(8).zip(inputs) {
        let word = match v {
            Value::Int(i) => i as u64,
            Value::Real(r) => r.to_bits(),
            Value::Str(_) => 0, // refused when the node is built
        };
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    let mut rng = Pcg32::new(xxhash_rust::xxh64::xxh64(bytes, 0));
    match dist {
        Distribution::StdFlat => rng.canonical(),
        Distribution::StdNormal => loop {
            let x = 2.0 * rng.canonical() - 1.0;
            let y = 2.0 * rng.canonical() - 1.0;
            let r2 = x * x + y * y;
            if r2 <= 1.0 && r2 != 0.0 {
                return y * (-2.0 * r2.ln() / r2).sqrt();
            }
        },
        Distribution::Normal => loop {
            let u = rng.next_u32() as f64 * 2f64.powi(-31) - 1.0;
            let v = rng.next_u32() as f64 * 2f64.powi(-31) - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s != 0.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        },
    }
}

/// PCG32 (XSH RR output of the previous state), as pcg-cpp's `pcg32_oneseq`.
pub(crate) struct Pcg32 {
    state: u64,
}

const MULTIPLIER: u64 = 6364136223846793005;
const INCREMENT: u64 = 1442695040888963407;

impl Pcg32 {
    pub(crate) fn new(seed: u64) -> Pcg32 {
        Pcg32 {
            state: seed
                .wrapping_add(INCREMENT)
                .wrapping_mul(MULTIPLIER)
                .wrapping_add(INCREMENT),
        }
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(INCREMENT);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        xorshifted.rotate_right((old >> 59) as u32)
    }

    /// libstdc++'s `generate_canonical<double, 53>` for a 32-bit generator.
    pub(crate) fn canonical(&mut self) -> f64 {
        let r = 4294967296.0f64;
        let mut sum = self.next_u32() as f64;
        sum += self.next_u32() as f64 * r;
        let ret = sum / (r * r);
        if ret >= 1.0 { 1.0f64.next_down() } else { ret }
    }
}
