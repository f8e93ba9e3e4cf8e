//! Histograms (placeholder; being written).
