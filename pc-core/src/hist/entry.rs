//! What a histogram is filled with: one value per trailing axis ([`Entry`]), each a number
//! or, on a string-category axis, a label ([`AxisValue`]).

use super::{Axis, Hist, HistError};

/// A value on one axis: numbers on continuous axes, labels (or indices) on category axes.
pub trait AxisValue {
    /// The coordinate [`Axis::index`] takes: the value itself, or a category index
    /// (`NaN` for an unknown label, which goes to the flow bin or is dropped).
    fn coord(self, axis: &Axis) -> f64;
}

macro_rules! numeric_axis_value {
    ($($t:ty),*) => {$(
        impl AxisValue for $t {
            #[inline(always)]
            fn coord(self, _: &Axis) -> f64 {
                self as f64
            }
        }
    )*};
}
numeric_axis_value!(f64, f32, i8, u8, i16, u16, i32, u32, i64, u64, usize);

impl AxisValue for bool {
    #[inline(always)]
    fn coord(self, _: &Axis) -> f64 {
        f64::from(u8::from(self))
    }
}

impl AxisValue for &str {
    #[inline]
    fn coord(self, axis: &Axis) -> f64 {
        axis.category_index(self).map_or(f64::NAN, |i| i as f64)
    }
}

/// One entry of a histogram with `N` trailing (analysis) axes: a value for `N == 1`, a
/// tuple for more.
#[diagnostic::on_unimplemented(
    message = "a histogram with {N} axes is filled with {N} values per entry, not `{Self}`",
    label = "one value (a number or a category label) per axis; a tuple for 2 or 3 axes"
)]
pub trait Entry<const N: usize> {
    /// Storage offset of this entry within the trailing axes from `first` on, `None` when
    /// the entry is dropped.
    fn offset(self, hist: &Hist, first: usize) -> Result<Option<usize>, HistError>;
}

impl<T: AxisValue> Entry<1> for T {
    #[inline]
    fn offset(self, hist: &Hist, first: usize) -> Result<Option<usize>, HistError> {
        let axis = hist.axes().get(first);
        let x = axis.map_or(f64::NAN, |a| self.coord(a));
        hist.trailing_offset(first, &[x])
    }
}

macro_rules! tuple_entry {
    ($n:literal: $($t:ident $i:tt),*) => {
        #[diagnostic::do_not_recommend]
        impl<$($t: AxisValue),*> Entry<$n> for ($($t,)*) {
            #[inline]
            fn offset(self, hist: &Hist, first: usize) -> Result<Option<usize>, HistError> {
                let axes = hist.axes();
                if axes.len() != first + $n {
                    return hist.trailing_offset(first, &[]);
                }
                hist.trailing_offset(first, &[$(self.$i.coord(&axes[first + $i])),*])
            }
        }
    };
}
tuple_entry!(2: A 0, B 1);
tuple_entry!(3: A 0, B 1, C 2);
tuple_entry!(4: A 0, B 1, C 2, D 3);
