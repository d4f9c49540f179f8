//! Representations (no Bevy): a selection, a style and a colouring, as in VND, applied to a
//! scene's instances as colours, radii, a legend, and the cells drawn as morphologies; then
//! the cuts (slab and clip planes, [`crate::view::cuts`]) hide what lies outside them.

use std::collections::BTreeMap;

use super::coloring::{Colorer, Coloring};
use super::model::{NeuronInstance, Scene};
use crate::session::{ClipPlane, Material, Slab};
use crate::sonata::selection_language::{self, SelectionContext};
use crate::view::cuts::model::Cuts;
use crate::view::legend::LegendEntry;
use crate::view::looks::material::InstanceLook;

/// How a representation draws its neurons (VND's names where VND has the style).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Spheres,
    Points,
    Hidden,
    /// The cell's morphology as tubes ([`crate::view::morphologies`]; level of detail there);
    /// cells without a morphology file stay spheres.
    Morphology,
    /// The cell's morphology as lines, the soma as a sphere of its own radius.
    MorphologyLine,
}

impl Style {
    pub const ALL: [Self; 5] = [
        Self::Spheres,
        Self::Points,
        Self::Hidden,
        Self::Morphology,
        Self::MorphologyLine,
    ];

    /// The spelling of `--style` and of the UI (`soma` for spheres, as VND).
    pub fn name(self) -> &'static str {
        match self {
            Self::Spheres => "soma",
            Self::Points => "points",
            Self::Hidden => "hidden",
            Self::Morphology => "morphology",
            Self::MorphologyLine => "morphology_line",
        }
    }

    /// Parses [`Style::name`] (`spheres` is accepted for `soma`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "spheres" | "sphere" => Some(Self::Spheres),
            _ => Self::ALL.into_iter().find(|st| st.name() == s),
        }
    }

    /// Whether neurons of this style are drawn as their morphology (and how).
    pub fn morphology(self) -> Option<MorphologyStyle> {
        match self {
            Self::Morphology => Some(MorphologyStyle::Tubes),
            Self::MorphologyLine => Some(MorphologyStyle::Lines),
            _ => None,
        }
    }
}

/// What a morphology style asks for (the level of detail may draw less).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MorphologyStyle {
    Tubes,
    Lines,
}

/// How a morphology cell's surface is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CellPaint {
    /// All of it in [`MorphologyCell::color`].
    #[default]
    Uniform,
    /// Soma, axon, basal and apical dendrites each in their colour
    /// ([`crate::view::colors::SECTION_TYPE_COLORS`]).
    SectionType,
    /// Each compartment by the active report's value at the playback time.
    Compartments,
}

/// A neuron a representation asks to draw as its morphology.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorphologyCell {
    pub instance: u32,
    pub style: MorphologyStyle,
    /// The representation's colour for it, sRGB.
    pub color: [f32; 3],
    pub paint: CellPaint,
    /// Below 1: drawn see-through (its representation's material).
    pub alpha: f32,
}

/// A selection string, a style and a colouring; several at once, later ones on top.
#[derive(Clone, Debug, PartialEq)]
pub struct Representation {
    pub selection: String,
    pub style: Style,
    pub coloring: Coloring,
    /// Radius multiplier over the scene's default radius.
    pub radius_scale: f32,
    pub enabled: bool,
    /// How its neurons are shaded and composited.
    pub material: Material,
    /// 0..1, for the see-through materials.
    pub opacity: f32,
}

impl Default for Representation {
    fn default() -> Self {
        Self {
            selection: String::new(),
            style: Style::Spheres,
            coloring: Coloring::ByPopulation,
            radius_scale: 1.0,
            enabled: true,
            material: Material::Opaque,
            opacity: 1.0,
        }
    }
}

/// The result of applying representations: instance data, a legend, and errors per
/// representation (a bad selection string draws nothing and says why).
#[derive(Clone, Debug, Default)]
pub struct Styled {
    pub instances: Vec<NeuronInstance>,
    pub legend: Vec<LegendEntry>,
    pub errors: Vec<(usize, String)>,
    /// Instances drawn.
    pub visible: usize,
    /// Instances coloured by a report value, with the representation that colours them.
    pub by_report: Vec<(u32, usize)>,
    /// Instances whose representation draws them as their morphology, by instance (the
    /// instance itself is styled as a sphere: what is drawn until, or unless, the morphology is).
    pub morphology: Vec<MorphologyCell>,
    /// Instances the representations draw that the cuts hide.
    pub cut: usize,
    /// The slab and clip planes applied ([`Styled::apply_cuts`]).
    pub slab: Option<Slab>,
    pub clip: Vec<ClipPlane>,
    /// Radii and morphology cells before the cuts: cuts change without restyling.
    pub uncut: Option<Uncut>,
}

/// What the representations drew before the cuts.
#[derive(Clone, Debug, Default)]
pub struct Uncut {
    radii: Vec<f32>,
    morphology: Vec<MorphologyCell>,
}

impl Styled {
    /// Hides the instances whose soma lies outside `slab` or on the far side of a clip plane,
    /// and the morphologies of those cells; what was hidden by earlier cuts comes back. One dot
    /// product per instance and plane: cheap enough to sweep a slab every frame.
    pub fn apply_cuts(&mut self, slab: Option<&Slab>, clip: &[ClipPlane]) {
        let uncut = self.uncut.get_or_insert_with(|| Uncut {
            radii: self.instances.iter().map(|i| i.radius).collect(),
            morphology: self.morphology.clone(),
        });
        let cuts = Cuts::new(slab, clip);
        let mut drawn = 0;
        let mut visible = 0;
        for (inst, &radius) in self.instances.iter_mut().zip(&uncut.radii) {
            inst.radius = if radius > 0.0 && cuts.keeps(inst.position) {
                radius
            } else {
                0.0
            };
            drawn += usize::from(radius > 0.0);
            visible += usize::from(inst.radius > 0.0);
        }
        let instances = &self.instances;
        self.morphology = uncut
            .morphology
            .iter()
            .filter(|c| {
                instances
                    .get(c.instance as usize)
                    .is_some_and(|i| cuts.keeps(i.position))
            })
            .copied()
            .collect();
        self.visible = visible;
        self.cut = drawn - visible;
        self.slab = slab.copied();
        self.clip = clip.to_vec();
    }

    /// Whether these are the cuts applied (bit for bit: a plane with a NaN in it is still the
    /// same plane, not a change every frame).
    pub fn has_cuts(&self, slab: Option<&Slab>, clip: &[ClipPlane]) -> bool {
        fn slab_bits(s: &Slab) -> [u32; 7] {
            let [a, b, c] = s.normal.map(f32::to_bits);
            let [d, e, f] = s.center.map(f32::to_bits);
            [a, b, c, d, e, f, s.thickness_um.to_bits()]
        }
        fn clip_bits(c: &ClipPlane) -> [u32; 6] {
            let [a, b, d] = c.normal.map(f32::to_bits);
            let [e, f, g] = c.point.map(f32::to_bits);
            [a, b, d, e, f, g]
        }
        self.slab.as_ref().map(slab_bits) == slab.map(slab_bits)
            && self.clip.len() == clip.len()
            && self
                .clip
                .iter()
                .zip(clip)
                .all(|(a, b)| clip_bits(a) == clip_bits(b))
    }
}

impl Scene {
    /// What a first look shows: by layer when the circuit has layers (cortical columns), else
    /// by population.
    pub fn default_representation(&self) -> Representation {
        let has_layer = self
            .circuit
            .nodes
            .iter()
            .any(|p| p.attribute("layer").is_some());
        Representation {
            coloring: if has_layer {
                Coloring::ByAttribute {
                    name: "layer".into(),
                    range: None,
                    colormap: Default::default(),
                }
            } else {
                Coloring::ByPopulation
            },
            ..Default::default()
        }
    }

    /// Applies representations (later ones win where they overlap). Virtual populations are
    /// drawn only when a selection names them (`population == lgn`, `model_type == virtual`)
    /// or `show_virtual` is set.
    pub fn style(&self, reps: &[Representation], show_virtual: bool) -> Styled {
        self.style_near(reps, show_virtual, None)
    }

    /// [`Self::style`] with the placed probe's recording sites (selections `within R of probe`).
    pub fn style_near(
        &self,
        reps: &[Representation],
        show_virtual: bool,
        probe_sites: Option<&[[f64; 3]]>,
    ) -> Styled {
        let ctx = self.selection_context(probe_sites);
        let mut styling = Styling::new(self);
        for (ri, rep) in reps.iter().enumerate() {
            if rep.enabled {
                styling.apply(self, &ctx, ri, rep, show_virtual);
            }
        }
        styling.finish(reps)
    }
}

/// Representations being applied: what each instance has become so far.
struct Styling {
    out: Styled,
    /// The morphology style of each instance's last representation.
    morphology: Vec<Option<MorphologyStyle>>,
    /// Legend entries already listed (their `Debug` text) and where.
    legend_seen: BTreeMap<String, usize>,
    /// The representation that last coloured each instance (`usize::MAX`: none).
    colored_by: Vec<usize>,
}

impl Styling {
    fn new(scene: &Scene) -> Self {
        Self {
            out: Styled {
                instances: scene
                    .positions
                    .iter()
                    .map(|&position| NeuronInstance {
                        position,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
            morphology: vec![None; scene.positions.len()],
            legend_seen: BTreeMap::new(),
            colored_by: vec![usize::MAX; scene.positions.len()],
        }
    }

    /// Representation `ri` over the instances its selection picks (an invalid selection is
    /// an error of that representation and draws nothing).
    fn apply(
        &mut self,
        scene: &Scene,
        ctx: &SelectionContext,
        ri: usize,
        rep: &Representation,
        show_virtual: bool,
    ) {
        let masks = match selection_language::masks(&rep.selection, &scene.circuit.nodes, ctx) {
            Ok(m) => m,
            Err(e) => {
                self.out.errors.push((ri, e.to_string()));
                return;
            }
        };
        let names_virtual = rep.selection.contains("virtual")
            || scene
                .populations
                .iter()
                .any(|p| p.is_virtual && rep.selection.contains(p.name.as_str()));
        let mut colorer = Colorer::new(scene, &rep.coloring);
        for sp in &scene.populations {
            if sp.len == 0 || (sp.is_virtual && !show_virtual && !names_virtual) {
                continue;
            }
            let pop = &scene.circuit.nodes[sp.circuit_index];
            let Some(mask) = masks.get(sp.circuit_index) else {
                continue;
            };
            for (i, &row) in sp.rows.iter().enumerate() {
                if !mask.get(row as usize).copied().unwrap_or(false) {
                    continue;
                }
                let inst = &mut self.out.instances[sp.offset + i];
                self.colored_by[sp.offset + i] = ri;
                self.morphology[sp.offset + i] = rep.style.morphology();
                match rep.style {
                    Style::Hidden => {
                        inst.radius = 0.0;
                        self.colored_by[sp.offset + i] = usize::MAX;
                    }
                    Style::Spheres | Style::Points | Style::Morphology | Style::MorphologyLine => {
                        let c = colorer.color(sp, pop, row as usize, sp.offset + i);
                        let alpha = if rep.style == Style::Points {
                            0.25
                        } else {
                            1.0
                        };
                        inst.color = [c[0], c[1], c[2], alpha];
                        inst.radius = scene.base_radius * rep.radius_scale;
                        inst.look = InstanceLook::new(rep.material, rep.opacity);
                    }
                }
            }
        }
        if rep.style != Style::Hidden {
            for entry in colorer.legend() {
                let key = format!("{entry:?}");
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    self.legend_seen.entry(key)
                {
                    slot.insert(self.out.legend.len());
                    self.out.legend.push(entry);
                }
            }
        }
    }

    /// What was drawn: counts, the report-coloured instances, the morphology cells.
    fn finish(self, reps: &[Representation]) -> Styled {
        let mut out = self.out;
        out.visible = out.instances.iter().filter(|i| i.radius > 0.0).count();
        out.by_report = self
            .colored_by
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                reps.get(**r)
                    .is_some_and(|rep| matches!(rep.coloring, Coloring::ByReport { .. }))
            })
            .map(|(i, &r)| (i as u32, r))
            .collect();
        let colored_by = &self.colored_by;
        out.morphology = self
            .morphology
            .iter()
            .enumerate()
            .filter_map(|(i, style)| {
                let c = out.instances[i].color;
                let paint = match reps.get(colored_by[i]).map(|rep| &rep.coloring) {
                    Some(Coloring::BySectionType) => CellPaint::SectionType,
                    Some(Coloring::ByReport { .. }) => CellPaint::Compartments,
                    _ => CellPaint::Uniform,
                };
                style.map(|style| MorphologyCell {
                    instance: i as u32,
                    style,
                    color: [c[0], c[1], c[2]],
                    paint,
                    alpha: out.instances[i].look.mesh_alpha(),
                })
            })
            .collect();
        out
    }
}
