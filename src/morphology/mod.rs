//! Neuron morphologies: SWC and MorphIO-H5 readers into sections, statistics, placement in the
//! world (BMTK's rotation about the soma), path resolution from a circuit, and tube/line meshes
//! as plain arrays. Pure data: no Bevy.
//!
//! The model follows MorphIO: a soma (its points kept as written, its kind decided as MorphIO
//! decides it) and neurite sections in depth-first order, each section starting with its parent's
//! last point (the duplicate point), except root sections, which start at their first sample.

pub mod error;
pub mod h5;
pub mod library;
pub mod mesh;
pub mod neuron_order;
pub mod placement;
pub mod resolve;
pub mod simplify;
pub mod stats;
pub mod swc;

use std::path::Path;

pub use error::{MorphologyError, Result};
pub use library::MorphologyLibrary;
pub use mesh::{Along, LineMesh, TriangleMesh};
pub use placement::Transform;
pub use stats::MorphologyStats;

/// An SWC/MorphIO section type: 1 soma, 2 axon, 3 basal dendrite, 4 apical dendrite, 5..19 custom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SectionType(pub u8);

impl SectionType {
    pub const SOMA: Self = Self(1);
    pub const AXON: Self = Self(2);
    pub const BASAL_DENDRITE: Self = Self(3);
    pub const APICAL_DENDRITE: Self = Self(4);
    /// MorphIO accepts types up to 19; 20 and above are an error.
    pub const MAX: u8 = 19;

    /// Checks a raw type value the way MorphIO does (1..=19).
    pub fn from_raw(value: i64) -> Option<Self> {
        u8::try_from(value)
            .ok()
            .filter(|v| (1..=Self::MAX).contains(v))
            .map(Self)
    }

    /// NeuroM's name for the type (`custom5` and so on beyond 4).
    pub fn name(self) -> String {
        match self.0 {
            1 => "soma".to_owned(),
            2 => "axon".to_owned(),
            3 => "basal_dendrite".to_owned(),
            4 => "apical_dendrite".to_owned(),
            n => format!("custom{n}"),
        }
    }
}

/// How the soma points are to be read, as MorphIO classifies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SomaKind {
    /// No soma points (or two points in H5).
    Undefined,
    /// One SWC point: a sphere.
    SinglePoint,
    /// NeuroMorpho's three points: a cylinder along one axis.
    NeuroMorphoThreePoint,
    /// Other SWC somata: stacked frustums.
    Cylinders,
    /// H5 somata (three or more points): a contour.
    SimpleContour,
}

impl SomaKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Undefined => "undefined",
            Self::SinglePoint => "single_point",
            Self::NeuroMorphoThreePoint => "neuromorpho_three_point_cylinders",
            Self::Cylinders => "cylinders",
            Self::SimpleContour => "simple_contour",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Soma {
    pub kind: SomaKind,
    pub points: Vec<[f32; 3]>,
    pub radii: Vec<f32>,
}

impl Soma {
    /// MorphIO's soma centre: the mean of the soma points (origin when there are none).
    pub fn center(&self) -> [f64; 3] {
        if self.points.is_empty() {
            return [0.0; 3];
        }
        let mut c = [0.0f64; 3];
        for p in &self.points {
            for k in 0..3 {
                c[k] += f64::from(p[k]);
            }
        }
        c.map(|v| v / self.points.len() as f64)
    }

    /// A radius for drawing the soma as a sphere: the point's radius for one point, the first
    /// point's for NeuroMorpho's three points, otherwise the mean distance of the points from
    /// the centre (contours) or the largest radius (cylinders), whichever is larger.
    pub fn display_radius(&self) -> f32 {
        match self.kind {
            SomaKind::SinglePoint | SomaKind::NeuroMorphoThreePoint => {
                self.radii.first().copied().unwrap_or(0.0)
            }
            _ if self.points.is_empty() => 0.0,
            _ => {
                let c = self.center();
                let mean_distance = self
                    .points
                    .iter()
                    .map(|p| distance(&[p[0].into(), p[1].into(), p[2].into()], &c))
                    .sum::<f64>()
                    / self.points.len() as f64;
                let max_radius = self.radii.iter().copied().fold(0.0f32, f32::max);
                (mean_distance as f32).max(max_radius)
            }
        }
    }
}

/// An unbranched piece of neurite: points with radii, a type, and its parent section.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub section_type: SectionType,
    /// Index of the parent section in `Morphology::sections`; `None` for a root (on the soma).
    pub parent: Option<usize>,
    pub points: Vec<[f32; 3]>,
    pub radii: Vec<f32>,
}

impl Section {
    /// Sum of the segment lengths (NeuroM's section length).
    pub fn length(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| distance(&w[0].map(f64::from), &w[1].map(f64::from)))
            .sum()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Morphology {
    pub soma: Soma,
    /// Sections in MorphIO's order (depth first from each root, roots in file order).
    pub sections: Vec<Section>,
    /// Oddities that did not stop the read (no soma, non-conforming three-point soma, ...).
    pub warnings: Vec<String>,
}

impl Morphology {
    /// Reads an SWC or MorphIO H5 file, chosen by extension.
    pub fn load(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("swc") => swc::read(path),
            Some("h5") => h5::read(path),
            _ => Err(MorphologyError::UnsupportedFormat {
                path: path.to_owned(),
            }),
        }
    }

    /// Number of neurite points, duplicates at section starts included (MorphIO's `points`).
    pub fn point_count(&self) -> usize {
        self.sections.iter().map(|s| s.points.len()).sum()
    }

    pub fn stats(&self) -> MorphologyStats {
        MorphologyStats::of(self)
    }
}

pub(crate) fn distance(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}
