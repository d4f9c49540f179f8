//! The order in which the neuron passes draw (no Bevy): one list of instance indices, opaque
//! neurons first, then see-through ones, hidden ones in neither, so that each pass draws a range
//! of it and gives the rasteriser only the neurons it draws.

use crate::view::scene::NeuronInstance;

/// The neurons each pass draws, as ranges of one index list: the opaque pass draws the first
/// `opaque` (opaque and glow materials), the see-through pass the next `see_through`. Hidden
/// neurons (radius 0: cut away, or drawn by no representation) are in neither, so that a
/// pass costs nothing for the neurons it does not draw (a software rasteriser shades every
/// vertex it is given, and a triangle thrown away still passes through its clipper).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrawOrder {
    pub indices: Vec<u32>,
    pub opaque: u32,
    pub see_through: u32,
}

impl DrawOrder {
    pub fn of(instances: &[NeuronInstance]) -> Self {
        let drawn = || instances.iter().enumerate().filter(|(_, i)| i.radius > 0.0);
        let mut indices: Vec<u32> = drawn()
            .filter(|(_, i)| !i.look.see_through())
            .map(|(k, _)| k as u32)
            .collect();
        let opaque = indices.len() as u32;
        indices.extend(
            drawn()
                .filter(|(_, i)| i.look.see_through())
                .map(|(k, _)| k as u32),
        );
        Self {
            see_through: indices.len() as u32 - opaque,
            indices,
            opaque,
        }
    }

    /// The vertices of the opaque pass (three per neuron).
    pub fn opaque_vertices(&self) -> std::ops::Range<u32> {
        0..3 * self.opaque
    }

    /// The vertices of the see-through pass.
    pub fn see_through_vertices(&self) -> std::ops::Range<u32> {
        3 * self.opaque..3 * (self.opaque + self.see_through)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::looks::material::InstanceLook;

    #[test]
    fn the_drawing_order_puts_opaque_neurons_first_and_leaves_hidden_ones_out() {
        use crate::session::Material;
        let with = |material, radius: f32| NeuronInstance {
            radius,
            look: InstanceLook::new(material, 0.5),
            ..Default::default()
        };
        let instances = [
            with(Material::Ghost, 2.0),
            with(Material::Opaque, 2.0),
            with(Material::Transparent, 0.0),
            with(Material::Glow, 2.0),
            with(Material::Opaque, 0.0),
            with(Material::Transparent, 2.0),
        ];
        let order = DrawOrder::of(&instances);
        assert_eq!(order.indices, [1, 3, 0, 5]);
        assert_eq!((order.opaque, order.see_through), (2, 2));
        assert_eq!(order.opaque_vertices(), 0..6);
        assert_eq!(order.see_through_vertices(), 6..12);
    }
}
