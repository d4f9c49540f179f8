//! What is drawn on top of the styled instances, without Bevy: report colours per frame,
//! highlighted raster rows, a picked neuron's synaptic partners, the picked neuron itself.
//! Cheap (one pass), so it runs whenever one of them changes, without re-styling.

use std::ops::Range;

use super::NeuronInstance;
use crate::view::colors::{BOTH_COLOR, POST_COLOR, PRE_COLOR};
use crate::view::cuts::model::Cuts;

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
    /// The slab and clip planes: a highlight never brings back a neuron they cut away.
    pub cuts: Option<&'a Cuts>,
}

/// How much everything not highlighted is dimmed.
const DIM: f32 = 0.25;

/// The instances to draw: `styled` with the overlays applied in order (report colours, raster
/// rows, partners, probe units, picked).
pub fn compose(styled: &[NeuronInstance], o: &Overlays) -> Vec<NeuronInstance> {
    let mut drawn = styled.to_vec();
    // Highlights draw a neuron that no representation draws, but not one the cuts hide.
    let kept = |inst: &NeuronInstance| o.cuts.is_none_or(|c| c.keeps(inst.position));
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
            if kept(inst) {
                inst.radius = inst.radius.max(o.base_radius) * 1.3;
            }
        }
    }
    for &i in o.probe_units {
        if let Some(inst) = drawn.get_mut(i as usize)
            && kept(inst)
        {
            inst.color = [0.3, 1.0, 1.0, 1.0];
            inst.radius = inst.radius.max(o.base_radius) * 1.8;
        }
    }
    // The picked neuron: white and twice the size.
    if let Some(inst) = o.picked.and_then(|i| drawn.get_mut(i))
        && kept(inst)
    {
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

    #[test]
    fn highlights_do_not_bring_back_what_the_cuts_hide() {
        use crate::session::Slab;
        // Instances at x = 0, 10, 20, 30, 40; a slab keeps |x - 10| <= 5: instance 1 only,
        // the others are cut (radius 0).
        let mut styled: Vec<NeuronInstance> = (0..5)
            .map(|k| NeuronInstance {
                position: [10.0 * k as f32, 0.0, 0.0],
                ..inst(0.8)
            })
            .collect();
        let slab = Slab {
            normal: [1.0, 0.0, 0.0],
            center: [10.0, 0.0, 0.0],
            thickness_um: 10.0,
        };
        let cuts = Cuts::new(Some(&slab), &[]);
        for (k, s) in styled.iter_mut().enumerate() {
            if !cuts.keeps(s.position) {
                s.radius = 0.0;
            }
            assert_eq!(s.radius > 0.0, k == 1);
        }
        let (pre, post, probe) = ([0u32, 1], [2u32], [3u32]);
        for picked in [0, 4] {
            let drawn = compose(
                &styled,
                &Overlays {
                    partners: Some((&pre, &post)),
                    probe_units: &probe,
                    picked: Some(picked),
                    base_radius: 1.5,
                    cuts: Some(&cuts),
                    ..Default::default()
                },
            );
            let radii: Vec<f32> = drawn.iter().map(|i| i.radius).collect();
            // Only the kept partner grows; the cut partners, probe unit and picked neuron stay
            // hidden.
            assert_eq!(radii, [0.0, 1.5 * 1.3, 0.0, 0.0, 0.0], "picked {picked}");
        }
        // Without cuts the same highlights draw neurons no representation draws.
        let drawn = compose(
            &styled,
            &Overlays {
                picked: Some(4),
                base_radius: 1.5,
                ..Default::default()
            },
        );
        assert_eq!(drawn[4].radius, 3.0);
    }
}
