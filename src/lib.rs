//! cortexview: SONATA network models in 3D.
pub mod sim;
pub mod sonata;
