//! The viewer's own draws, without Bevy meshes or entities per object: the somata as impostor
//! spheres ([`neurons`]) and named layers of instanced meshes ([`meshes`]), with what their
//! pipelines share ([`render_util`]).

pub mod draw_order;
pub mod looks_passes;
pub mod looks_settings;
pub mod mesh_chunks;
pub mod meshes;
pub mod neurons;
pub mod render_util;
