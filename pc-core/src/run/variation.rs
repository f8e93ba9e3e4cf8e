//! Systematic variations: what a weight with variations returns ([`UpDown`], [`Multi`]),
//! and which shift a calibrator applies ([`Shift`]).

/// A weight with one Up/Down variation, filled as `{weight}Up` and `{weight}Down` on the
/// histograms' `variation` axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpDown {
    pub nominal: f64,
    pub up: f64,
    pub down: f64,
}

impl UpDown {
    /// A weight whose variations equal the nominal value.
    pub fn flat(nominal: f64) -> Self {
        UpDown {
            nominal,
            up: nominal,
            down: nominal,
        }
    }
}

/// A weight with `N` named Up/Down variations (`#[weight(variations = [a, b])]`), filled
/// as `{weight}_{a}Up`, `{weight}_{a}Down`, ...
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Multi<const N: usize> {
    pub nominal: f64,
    pub up: [f64; N],
    pub down: [f64; N],
}

/// The variation a `#[calibrate]` function applies: nominal, or the Up or Down shift of
/// its `i`-th declared variation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shift {
    Nominal,
    Up(usize),
    Down(usize),
}

/// A type a `#[weight]` function may return, with `N` Up/Down variations.
#[diagnostic::on_unimplemented(
    message = "a `#[weight]` function with {N} variation(s) cannot return `{Self}`",
    label = "return `f64` (no variation), `UpDown` (Up/Down), or `Multi<N>` with `#[weight(variations = [a, b, ..])]`"
)]
pub trait WeightOutput<const N: usize> {
    fn nominal(&self) -> f64;
    /// Up value of variation `i < N`.
    fn up(&self, i: usize) -> f64;
    /// Down value of variation `i < N`.
    fn down(&self, i: usize) -> f64;
}

impl WeightOutput<0> for f64 {
    #[inline(always)]
    fn nominal(&self) -> f64 {
        *self
    }
    #[inline(always)]
    fn up(&self, _: usize) -> f64 {
        *self
    }
    #[inline(always)]
    fn down(&self, _: usize) -> f64 {
        *self
    }
}

impl WeightOutput<1> for UpDown {
    #[inline(always)]
    fn nominal(&self) -> f64 {
        self.nominal
    }
    #[inline(always)]
    fn up(&self, _: usize) -> f64 {
        self.up
    }
    #[inline(always)]
    fn down(&self, _: usize) -> f64 {
        self.down
    }
}

impl<const N: usize> WeightOutput<N> for Multi<N> {
    #[inline(always)]
    fn nominal(&self) -> f64 {
        self.nominal
    }
    #[inline(always)]
    fn up(&self, i: usize) -> f64 {
        self.up[i]
    }
    #[inline(always)]
    fn down(&self, i: usize) -> f64 {
        self.down[i]
    }
}
