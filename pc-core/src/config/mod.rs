//! Parameters and datasets (placeholder; being written).
