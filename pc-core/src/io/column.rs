//! In-memory columns: scalars, fixed-size arrays and counted (jagged) arrays.

/// The element type of a leaf, as ROOT names it (`Float_t` -> [`LeafType::F32`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LeafType {
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl LeafType {
    /// Size in bytes of one element on disk.
    pub fn size(self) -> usize {
        match self {
            LeafType::Bool | LeafType::I8 | LeafType::U8 => 1,
            LeafType::I16 | LeafType::U16 => 2,
            LeafType::I32 | LeafType::U32 | LeafType::F32 => 4,
            LeafType::I64 | LeafType::U64 | LeafType::F64 => 8,
        }
    }

    /// ROOT's type name (`Float_t`, `UInt_t`, ...).
    pub fn root_name(self) -> &'static str {
        match self {
            LeafType::Bool => "Bool_t",
            LeafType::I8 => "Char_t",
            LeafType::U8 => "UChar_t",
            LeafType::I16 => "Short_t",
            LeafType::U16 => "UShort_t",
            LeafType::I32 => "Int_t",
            LeafType::U32 => "UInt_t",
            LeafType::I64 => "Long64_t",
            LeafType::U64 => "ULong64_t",
            LeafType::F32 => "Float_t",
            LeafType::F64 => "Double_t",
        }
    }

    /// The type code used in a TBranch title (`Muon_pt[nMuon]/F`).
    pub fn type_code(self) -> char {
        match self {
            LeafType::Bool => 'O',
            LeafType::I8 => 'B',
            LeafType::U8 => 'b',
            LeafType::I16 => 'S',
            LeafType::U16 => 's',
            LeafType::I32 => 'I',
            LeafType::U32 => 'i',
            LeafType::I64 => 'L',
            LeafType::U64 => 'l',
            LeafType::F32 => 'F',
            LeafType::F64 => 'D',
        }
    }

    /// Short numpy-like name (`f4`, `i8`, `bool`) used in JSON and by the validation scripts.
    pub fn short_name(self) -> &'static str {
        match self {
            LeafType::Bool => "bool",
            LeafType::I8 => "i1",
            LeafType::U8 => "u1",
            LeafType::I16 => "i2",
            LeafType::U16 => "u2",
            LeafType::I32 => "i4",
            LeafType::U32 => "u4",
            LeafType::I64 => "i8",
            LeafType::U64 => "u8",
            LeafType::F32 => "f4",
            LeafType::F64 => "f8",
        }
    }
}

/// Flat values of one column, one variant per leaf type.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Bool(Vec<bool>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Calls `$body` with `$v` bound to the inner `Vec` of any [`Values`] variant.
#[macro_export]
macro_rules! with_values {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            $crate::io::Values::Bool($v) => $body,
            $crate::io::Values::I8($v) => $body,
            $crate::io::Values::U8($v) => $body,
            $crate::io::Values::I16($v) => $body,
            $crate::io::Values::U16($v) => $body,
            $crate::io::Values::I32($v) => $body,
            $crate::io::Values::U32($v) => $body,
            $crate::io::Values::I64($v) => $body,
            $crate::io::Values::U64($v) => $body,
            $crate::io::Values::F32($v) => $body,
            $crate::io::Values::F64($v) => $body,
        }
    };
}

impl Values {
    /// An empty vector of the given type with room for `capacity` elements.
    pub fn with_capacity(leaf: LeafType, capacity: usize) -> Values {
        match leaf {
            LeafType::Bool => Values::Bool(Vec::with_capacity(capacity)),
            LeafType::I8 => Values::I8(Vec::with_capacity(capacity)),
            LeafType::U8 => Values::U8(Vec::with_capacity(capacity)),
            LeafType::I16 => Values::I16(Vec::with_capacity(capacity)),
            LeafType::U16 => Values::U16(Vec::with_capacity(capacity)),
            LeafType::I32 => Values::I32(Vec::with_capacity(capacity)),
            LeafType::U32 => Values::U32(Vec::with_capacity(capacity)),
            LeafType::I64 => Values::I64(Vec::with_capacity(capacity)),
            LeafType::U64 => Values::U64(Vec::with_capacity(capacity)),
            LeafType::F32 => Values::F32(Vec::with_capacity(capacity)),
            LeafType::F64 => Values::F64(Vec::with_capacity(capacity)),
        }
    }

    /// The leaf type of these values.
    pub fn leaf_type(&self) -> LeafType {
        match self {
            Values::Bool(_) => LeafType::Bool,
            Values::I8(_) => LeafType::I8,
            Values::U8(_) => LeafType::U8,
            Values::I16(_) => LeafType::I16,
            Values::U16(_) => LeafType::U16,
            Values::I32(_) => LeafType::I32,
            Values::U32(_) => LeafType::U32,
            Values::I64(_) => LeafType::I64,
            Values::U64(_) => LeafType::U64,
            Values::F32(_) => LeafType::F32,
            Values::F64(_) => LeafType::F64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        with_values!(self, v => v.len())
    }

    /// Value `i` as an integer (booleans 0/1; floats truncated), `None` past the end.
    pub fn int_at(&self, i: usize) -> Option<i64> {
        match self {
            Values::Bool(v) => v.get(i).map(|&x| i64::from(x)),
            Values::I8(v) => v.get(i).map(|&x| i64::from(x)),
            Values::U8(v) => v.get(i).map(|&x| i64::from(x)),
            Values::I16(v) => v.get(i).map(|&x| i64::from(x)),
            Values::U16(v) => v.get(i).map(|&x| i64::from(x)),
            Values::I32(v) => v.get(i).map(|&x| i64::from(x)),
            Values::U32(v) => v.get(i).map(|&x| i64::from(x)),
            Values::I64(v) => v.get(i).copied(),
            Values::U64(v) => v.get(i).map(|&x| x as i64),
            Values::F32(v) => v.get(i).map(|&x| x as i64),
            Values::F64(v) => v.get(i).map(|&x| x as i64),
        }
    }

    /// True if there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How the flat values of a column map onto entries (events).
#[derive(Clone, Debug, PartialEq)]
pub enum Layout {
    /// One value per entry.
    Scalar,
    /// `n` values per entry (`X[3]`).
    Fixed(usize),
    /// A counted array (`Muon_pt[nMuon]`): entry `i` holds `values[offsets[i]..offsets[i + 1]]`;
    /// `offsets.len() == entries + 1` and `offsets[0] == 0`.
    Jagged(Vec<u32>),
}

/// One branch's values over a range of entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub values: Values,
    pub layout: Layout,
}

impl Column {
    /// Number of entries (events) in the column.
    pub fn entries(&self) -> usize {
        match &self.layout {
            Layout::Scalar => self.values.len(),
            Layout::Fixed(0) => 0,
            Layout::Fixed(n) => self.values.len() / n,
            Layout::Jagged(offsets) => offsets.len().saturating_sub(1),
        }
    }

    /// The index range of entry `i`'s values in [`Column::values`].
    pub fn entry_range(&self, i: usize) -> std::ops::Range<usize> {
        match &self.layout {
            Layout::Scalar => i..i + 1,
            Layout::Fixed(n) => i * n..(i + 1) * n,
            Layout::Jagged(offsets) => offsets[i] as usize..offsets[i + 1] as usize,
        }
    }
}
