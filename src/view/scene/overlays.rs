//! What is drawn on top of the styled instances, without Bevy: report colours per frame,
//! highlighted raster rows, a picked neuron's synaptic partners, the picked neuron itself.
//! Cheap (one pass), so it runs whenever one of them changes, without re-styling.

use std::ops::Range;

use super::NeuronInstance;
use crate::view::colors::{BOTH_COLOR, POST_COLOR, PRE_COLOR};

/// The picked neuron's partners as instances, highlighted over the styled ones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartnerInstances {
    pub pre: Vec<u32>,
    pub post: Vec<u32>,
}

/// Everything laid over the styled instances.
#[derive(Clone, Debug, Default)]
pub struct Overlays<'a> {
    /// Report colours of some instances (sRGB), from the report plugin.
    pub value_colors: &'a [(u32, [f32; 3])],
    /// Raster rows kept bright, the rest dimmed.
    pub raster_rows: Option<Range<usize>>,
    /// Partners of the picked neuron (sorted instance lists): coloured by side, the rest
    /// dimmed.
    pub partners: Option<(&'a [u32], &'a [u32])>,
    /// Instances the probe's selected channel hears: cyan and larger.
    pub probe_units: &'a [u32],
    pub picked: Option<usize>,
    pub base_radius: f32,
}

/// How much everything not highlighted is dimmed.
const DIM: f32 = 0.25;

/// The instances to draw: `styled` with the overlays applied in order (report colours, raster
/// rows, partners, probe units, picked).
pub fn compose(styled: &[NeuronInstance], o: &Overlays) -> Vec<NeuronInstance> {
    let mut drawn = styled.to_vec();
    for &(i, c) in o.value_colors {
        if let Some(inst) = drawn.get_mut(i as usize) {
            inst.color[..3].copy_from_slice(&c);
        }
    }
    if let Some(rows) = &o.raster_rows {
        for (i, inst) in drawn.iter_mut().enumerate() {
            if rows.contains(&i) {
                inst.radius *= 1.4;
            } else {
                dim(inst);
            }
        }
    }
    if let Some((pre, post)) = o.partners {
        for (i, inst) in drawn.iter_mut().enumerate() {
            let (is_pre, is_post) = (
                pre.binary_search(&(i as u32)).is_ok(),
                post.binary_search(&(i as u32)).is_ok(),
            );
            let c = match (is_pre, is_post) {
                (true, true) => BOTH_COLOR,
                (true, false) => PRE_COLOR,
                (false, true) => POST_COLOR,
                (false, false) => {
                    dim(inst);
                    continue;
                }
            };
            inst.color = [c[0], c[1], c[2], 1.0];
            inst.radius = inst.radius.max(o.base_radius) * 1.3;
        }
    }
    for &i in o.probe_units {
        if let Some(inst) = drawn.get_mut(i as usize) {
            inst.color = [0.3, 1.0, 1.0, 1.0];
            inst.radius = inst.radius.max(o.base_radius) * 1.8;
        }
    }
    // The picked neuron: white and twice the size.
    if let Some(inst) = o.picked.and_then(|i| drawn.get_mut(i)) {
        inst.color = [1.0, 1.0, 1.0, 1.0];
        inst.radius = inst.radius.max(o.base_radius) * 2.0;
    }
    drawn
}

fn dim(inst: &mut NeuronInstance) {
    for c in &mut inst.color[..3] {
        *c *= DIM;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(c: f32) -> NeuronInstance {
        NeuronInstance {
            position: [0.0; 3],
            radius: 1.0,
            color: [c, c, c, 1.0],
            ..Default::default()
        }
    }

    #[test]
    fn overlays_apply_in_order() {
        let styled = vec![inst(0.8); 5];
        let values = [(1, [0.1, 0.2, 0.3]), (3, [0.4, 0.5, 0.6])];
        let pre = [1u32, 2];
        let post = [2u32, 4];
        let drawn = compose(
            &styled,
            &Overlays {
                value_colors: &values,
                partners: Some((&pre, &post)),
                picked: Some(0),
                base_radius: 1.5,
                ..Default::default()
            },
        );
        assert_eq!(drawn[0].color, [1.0; 4]);
        assert_eq!(drawn[0].radius, 3.0);
        assert_eq!(drawn[1].color[..3], PRE_COLOR);
        assert_eq!(drawn[2].color[..3], BOTH_COLOR);
        assert_eq!(drawn[4].color[..3], POST_COLOR);
        // Not a partner: its report colour, dimmed.
        assert_eq!(drawn[3].color[..3], [0.4 * DIM, 0.5 * DIM, 0.6 * DIM]);
        assert_eq!(drawn[3].radius, 1.0);
        // Without overlays: what was styled.
        assert_eq!(compose(&styled, &Overlays::default()), styled);
    }
}
