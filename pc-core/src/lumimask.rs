//! Golden-JSON luminosity mask (placeholder; being written).
