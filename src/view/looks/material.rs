//! A neuron's material and opacity packed in one `u32`, as `shaders/neurons.wgsl` reads them
//! (no Bevy): bits 0-1 the material, bits 8-15 the opacity in 1/255 steps. Uploaded beside
//! the colours, so that changing a representation's material costs a colour-only upload.

use crate::session::Material;

/// How much of what lies behind a ghost lets through at most: a ghost's opacity is the
/// representation's opacity times this.
pub const GHOST_OPACITY: f32 = 0.3;

/// Material and opacity of one instance.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct InstanceLook(pub u32);

impl InstanceLook {
    pub fn new(material: Material, opacity: f32) -> Self {
        let code = match material {
            Material::Opaque => 0,
            Material::Transparent => 1,
            Material::Ghost => 2,
            Material::Glow => 3,
        };
        let opacity = if opacity.is_finite() {
            opacity.clamp(0.0, 1.0)
        } else {
            1.0
        };
        Self(code | ((opacity * 255.0).round() as u32) << 8)
    }

    pub fn material(self) -> Material {
        match self.0 & 3 {
            0 => Material::Opaque,
            1 => Material::Transparent,
            2 => Material::Ghost,
            _ => Material::Glow,
        }
    }

    /// 0..1 (in 1/255 steps).
    pub fn opacity(self) -> f32 {
        ((self.0 >> 8) & 0xff) as f32 / 255.0
    }

    /// Composited without sorting in the see-through pass (transparent, ghost).
    pub fn see_through(self) -> bool {
        matches!(self.material(), Material::Transparent | Material::Ghost)
    }

    /// The alpha of a mesh instance drawn for this look (morphologies): 1 is opaque, less is
    /// composited in the see-through pass.
    pub fn mesh_alpha(self) -> f32 {
        match self.material() {
            Material::Opaque | Material::Glow => 1.0,
            Material::Transparent => self.opacity().min(0.99),
            Material::Ghost => (self.opacity() * GHOST_OPACITY).min(0.99),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_and_opacity_survive_packing() {
        for m in Material::ALL {
            for o in [0.0, 0.25, 0.5, 1.0] {
                let look = InstanceLook::new(m, o);
                assert_eq!(look.material(), m);
                assert!(
                    (look.opacity() - o).abs() <= 0.5 / 255.0 + 1e-6,
                    "{m:?} {o}"
                );
            }
        }
        // The default is opaque, whatever the opacity.
        assert_eq!(InstanceLook::default().material(), Material::Opaque);
        assert_eq!(InstanceLook::new(Material::Ghost, f32::NAN).opacity(), 1.0);
        assert_eq!(InstanceLook::new(Material::Transparent, 7.0).opacity(), 1.0);
    }

    #[test]
    fn only_see_through_materials_give_meshes_alpha_below_one() {
        assert_eq!(InstanceLook::new(Material::Opaque, 0.2).mesh_alpha(), 1.0);
        assert_eq!(InstanceLook::new(Material::Glow, 0.2).mesh_alpha(), 1.0);
        let t = InstanceLook::new(Material::Transparent, 0.5).mesh_alpha();
        assert!((t - 0.5).abs() < 0.01);
        let g = InstanceLook::new(Material::Ghost, 1.0).mesh_alpha();
        assert!((g - GHOST_OPACITY).abs() < 0.01);
        assert!(InstanceLook::new(Material::Transparent, 1.0).mesh_alpha() < 1.0);
    }
}
