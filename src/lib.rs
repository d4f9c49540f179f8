//! cortexview: SONATA network models in 3D.
pub mod sonata;
