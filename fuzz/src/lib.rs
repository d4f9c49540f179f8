//! Fuzzing entry points for cortexview's parsers (see `entry`).

pub mod entry;
