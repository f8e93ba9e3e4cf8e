//! Typed ids of what a processor declares: branches, categories, histograms, variations,
//! shape variations and output groups. [`SpecBuilder`](super::SpecBuilder) hands them out
//! (the code `#[processor]` generates makes them from its declarations); the runtime
//! checks each one where it is used, so a wrong id is an error that names it, not a panic.

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident: $what:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            /// The id of the `index`-th item declared (declaration order, from 0).
            pub const fn new(index: usize) -> Self {
                $name(index as u32)
            }

            /// Its position in the declaration order.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{} {}", $what, self.0)
            }
        }
    )*};
}

ids! {
    /// A branch of [`ProcessorSpec::branches`](super::ProcessorSpec::branches).
    BranchId: "branch";
    /// A category of [`ProcessorSpec::categories`](super::ProcessorSpec::categories).
    CategoryId: "category";
    /// A histogram of [`ProcessorSpec::histograms`](super::ProcessorSpec::histograms).
    HistId: "histogram";
    /// A label of [`ProcessorSpec::variations`](super::ProcessorSpec::variations) (the
    /// `variation` axis as declared).
    VariationId: "variation";
    /// A shape variation of [`ProcessorSpec::shape_variations`](super::ProcessorSpec::shape_variations)
    /// (`nominal` is 0).
    ShapeId: "shape variation";
    /// An output group of the chunk's sample: one of its subsamples in declaration order,
    /// or the sample itself (0) when it has none.
    GroupId: "output group";
}

impl ShapeId {
    /// `nominal`, always the first shape variation.
    pub const NOMINAL: ShapeId = ShapeId(0);
}

impl GroupId {
    /// The first group: the sample itself when it has no subsamples.
    pub const FIRST: GroupId = GroupId(0);
}
