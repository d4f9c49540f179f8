//! Cuts into the column (no Bevy): a slab keeps the neurons whose soma centre lies within
//! half its thickness of its plane; each clip plane keeps the side its normal points to. A
//! neuron drawn as its morphology follows its soma. The test is a dot product per neuron and
//! plane, so a slab can sweep through 230,000 neurons every frame.

use crate::session::{ClipPlane, Slab};
use crate::view::render::meshes::{LayerMesh, MeshInstance};

/// Slab and clip planes ready to test points against: unit normals, offsets along them.
/// Planes whose normal is zero or not finite cut nothing ([`Cuts::problems`] names them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cuts {
    /// Unit normal, offset of the slab's centre plane along it, half thickness.
    slab: Option<([f32; 3], f32, f32)>,
    /// Unit normal and offset of each plane: kept where `n . p >= d`.
    clip: Vec<([f32; 3], f32)>,
    problems: Vec<String>,
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// `v` of length one, or `None` when it has no direction.
pub fn unit(v: [f32; 3]) -> Option<[f32; 3]> {
    let len = dot(v, v).sqrt();
    (len.is_finite() && len > 1e-12).then(|| v.map(|c| c / len))
}

fn finite(v: [f32; 3]) -> bool {
    v.iter().all(|c| c.is_finite())
}

impl Cuts {
    pub fn new(slab: Option<&Slab>, clip: &[ClipPlane]) -> Self {
        let mut problems = Vec::new();
        let slab = slab.and_then(|s| match unit(s.normal) {
            Some(n) if finite(s.center) && s.thickness_um.is_finite() => {
                Some((n, dot(n, s.center), 0.5 * s.thickness_um.max(0.0)))
            }
            _ => {
                problems.push(format!(
                    "slab with normal {:?}, centre {:?}, thickness {} µm cuts nothing: the \
                     normal needs a direction and every number must be finite",
                    s.normal, s.center, s.thickness_um
                ));
                None
            }
        });
        let clip = clip
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match unit(c.normal) {
                Some(n) if finite(c.point) => Some((n, dot(n, c.point))),
                _ => {
                    problems.push(format!(
                        "clip plane {} with normal {:?} through {:?} cuts nothing: the normal \
                         needs a direction and every number must be finite",
                        i + 1,
                        c.normal,
                        c.point
                    ));
                    None
                }
            })
            .collect();
        Self {
            slab,
            clip,
            problems,
        }
    }

    /// Whether anything is cut.
    pub fn is_empty(&self) -> bool {
        self.slab.is_none() && self.clip.is_empty()
    }

    /// Planes that cut nothing because their numbers make no plane.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Whether a soma at `p` is kept.
    pub fn keeps(&self, p: [f32; 3]) -> bool {
        if let Some((n, d, half)) = self.slab
            && (dot(n, p) - d).abs() > half
        {
            return false;
        }
        self.clip.iter().all(|&(n, d)| dot(n, p) >= d)
    }
}

/// Comma-separated finite numbers, exactly `N` of them.
fn numbers<const N: usize>(s: &str, what: &str) -> Result<[f32; N], String> {
    let v: Vec<f32> = s
        .split(',')
        .map(|x| {
            x.trim()
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("'{}' in '{s}' is not a finite number ({what})", x.trim()))
        })
        .collect::<Result<_, _>>()?;
    v.try_into()
        .map_err(|v: Vec<f32>| format!("'{s}' has {} numbers, {what} takes {N}", v.len()))
}

/// Parses `--slab NX,NY,NZ,CX,CY,CZ,T`: normal, centre (µm) and thickness (µm).
pub fn parse_slab(s: &str) -> Result<Slab, String> {
    let [nx, ny, nz, cx, cy, cz, t] = numbers::<7>(s, "NX,NY,NZ,CX,CY,CZ,T")?;
    if unit([nx, ny, nz]).is_none() {
        return Err(format!("the slab's normal in '{s}' has no direction"));
    }
    if t <= 0.0 {
        return Err(format!("the slab's thickness in '{s}' is not positive"));
    }
    Ok(Slab {
        normal: [nx, ny, nz],
        center: [cx, cy, cz],
        thickness_um: t,
    })
}

/// Parses `--clip NX,NY,NZ,PX,PY,PZ`: normal (toward the side kept) and a point (µm).
pub fn parse_clip(s: &str) -> Result<ClipPlane, String> {
    let [nx, ny, nz, px, py, pz] = numbers::<6>(s, "NX,NY,NZ,PX,PY,PZ")?;
    if unit([nx, ny, nz]).is_none() {
        return Err(format!("the clip plane's normal in '{s}' has no direction"));
    }
    Ok(ClipPlane {
        normal: [nx, ny, nz],
        point: [px, py, pz],
    })
}

/// Two unit vectors spanning the plane with normal `n`.
fn plane_axes(n: [f32; 3]) -> ([f32; 3], [f32; 3]) {
    let helper = if n[1].abs() < 0.9 {
        [0.0, 1.0, 0.0]
    } else {
        [1.0, 0.0, 0.0]
    };
    let u = [
        helper[1] * n[2] - helper[2] * n[1],
        helper[2] * n[0] - helper[0] * n[2],
        helper[0] * n[1] - helper[1] * n[0],
    ];
    let u = unit(u).unwrap_or([1.0, 0.0, 0.0]);
    let v = [
        n[1] * u[2] - n[2] * u[1],
        n[2] * u[0] - n[0] * u[2],
        n[0] * u[1] - n[1] * u[0],
    ];
    (u, v)
}

/// The colour of the slab's outline (sRGB).
pub const SLAB_OUTLINE: [f32; 4] = [0.45, 0.8, 0.95, 1.0];
/// The colour of a clip plane's outline.
pub const CLIP_OUTLINE: [f32; 4] = [0.95, 0.6, 0.3, 1.0];

/// Thin outlines of the cut planes as line segments: on each plane the rectangle that covers
/// the scene's box `lo..hi` seen along the plane's normal (the slab's two faces joined at
/// their corners; each clip plane with a tick along its normal toward the kept side).
pub fn outline(
    slab: Option<&Slab>,
    clip: &[ClipPlane],
    (lo, hi): ([f32; 3], [f32; 3]),
) -> Option<LayerMesh> {
    let mut positions: Vec<[f32; 3]> = Vec::new();
    let mut colors: Vec<[f32; 4]> = Vec::new();
    let mut segment = |a: [f32; 3], b: [f32; 3], c: [f32; 4]| {
        positions.extend([a, b]);
        colors.extend([c, c]);
    };
    let at = |o: [f32; 3], u: [f32; 3], v: [f32; 3], s: f32, t: f32| {
        [0, 1, 2].map(|k| o[k] + u[k] * s + v[k] * t)
    };
    let center = [0, 1, 2].map(|k| 0.5 * (lo[k] + hi[k]));
    let corners: Vec<[f32; 3]> = (0..8)
        .map(|c| [0, 1, 2].map(|k| if c & (1 << k) == 0 { lo[k] } else { hi[k] }))
        .collect();
    // The rectangle around the box's corners in the plane's axes, about the box's centre.
    let square = |o: [f32; 3], n: [f32; 3]| {
        let (u, v) = plane_axes(n);
        let extent = |axis: [f32; 3]| {
            corners
                .iter()
                .map(|p| dot([0, 1, 2].map(|k| p[k] - center[k]), axis).abs())
                .fold(1.0f32, f32::max)
        };
        let (a, b) = (extent(u), extent(v));
        [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(s, t)| at(o, u, v, s * a, t * b))
    };
    let radius = 0.5
        * [0, 1, 2]
            .map(|k| hi[k] - lo[k])
            .iter()
            .fold(0.0f32, |m, d| m.max(*d));
    // The point of the plane `n . p = d` nearest the scene's centre.
    let foot = |n: [f32; 3], d: f32| {
        let off = d - dot(n, center);
        [0, 1, 2].map(|k| center[k] + n[k] * off)
    };
    if let Some(s) = slab
        && let Some(n) = unit(s.normal)
    {
        let half = 0.5 * s.thickness_um.max(0.0);
        let d = dot(n, s.center);
        let faces = [foot(n, d - half), foot(n, d + half)].map(|o| square(o, n));
        for face in &faces {
            for k in 0..4 {
                segment(face[k], face[(k + 1) % 4], SLAB_OUTLINE);
            }
        }
        for (a, b) in faces[0].iter().zip(&faces[1]) {
            segment(*a, *b, SLAB_OUTLINE);
        }
    }
    for c in clip {
        let Some(n) = unit(c.normal) else {
            continue;
        };
        let o = foot(n, dot(n, c.point));
        let corners = square(o, n);
        for k in 0..4 {
            segment(corners[k], corners[(k + 1) % 4], CLIP_OUTLINE);
        }
        segment(o, at(o, n, n, 0.1 * radius, 0.0), CLIP_OUTLINE);
    }
    (!positions.is_empty()).then(|| LayerMesh {
        positions,
        normals: Vec::new(),
        colors,
        indices: Vec::new(),
        instances: vec![MeshInstance {
            transform: bevy::math::Mat4::IDENTITY,
            color: [1.0; 4],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slab_keeps_what_lies_within_half_its_thickness() {
        let slab = Slab {
            normal: [0.0, 0.0, 2.0],
            center: [5.0, 5.0, 100.0],
            thickness_um: 50.0,
        };
        let cuts = Cuts::new(Some(&slab), &[]);
        assert!(cuts.keeps([1e4, -1e4, 100.0]));
        assert!(cuts.keeps([0.0, 0.0, 124.9]));
        assert!(cuts.keeps([0.0, 0.0, 75.1]));
        assert!(!cuts.keeps([0.0, 0.0, 125.1]));
        assert!(!cuts.keeps([0.0, 0.0, 74.9]));
    }

    #[test]
    fn a_clip_plane_keeps_the_side_its_normal_points_to() {
        let plane = ClipPlane {
            normal: [-1.0, 0.0, 0.0],
            point: [10.0, 0.0, 0.0],
        };
        let cuts = Cuts::new(None, &[plane]);
        assert!(cuts.keeps([9.0, 3.0, 3.0]));
        assert!(!cuts.keeps([11.0, 3.0, 3.0]));
    }

    #[test]
    fn a_plane_without_a_direction_cuts_nothing_and_says_so() {
        let cuts = Cuts::new(
            Some(&Slab {
                normal: [0.0; 3],
                center: [0.0; 3],
                thickness_um: 10.0,
            }),
            &[ClipPlane {
                normal: [f32::NAN, 0.0, 0.0],
                point: [0.0; 3],
            }],
        );
        assert!(cuts.is_empty());
        assert!(cuts.keeps([1e6, 0.0, 0.0]));
        assert_eq!(cuts.problems().len(), 2);
    }

    #[test]
    fn slab_and_clip_parse_from_the_command_line() {
        let slab = parse_slab("0,0,1, 10,20,30, 50").expect("a slab");
        assert_eq!(slab.normal, [0.0, 0.0, 1.0]);
        assert_eq!(slab.center, [10.0, 20.0, 30.0]);
        assert_eq!(slab.thickness_um, 50.0);
        assert!(parse_slab("0,0,0,1,2,3,50").is_err());
        assert!(parse_slab("0,0,1,1,2,3,-5").is_err());
        assert!(parse_slab("0,0,1,1,2,3").unwrap_err().contains("takes 7"));
        assert!(parse_slab("0,0,1,1,2,x,5").unwrap_err().contains("'x'"));
        let clip = parse_clip("-1,0,0,100,0,0").expect("a plane");
        assert_eq!(clip.point, [100.0, 0.0, 0.0]);
        assert!(parse_clip("1,0,0,inf,0,0").is_err());
    }

    #[test]
    fn the_outline_draws_both_slab_faces() {
        let slab = Slab {
            normal: [0.0, 1.0, 0.0],
            center: [0.0, 300.0, 0.0],
            thickness_um: 50.0,
        };
        let mesh = outline(Some(&slab), &[], ([-100.0; 3], [100.0; 3])).expect("an outline");
        // Two squares and four edges between them.
        assert_eq!(mesh.positions.len(), 2 * 12);
        let ys: Vec<f32> = mesh.positions.iter().map(|p| p[1]).collect();
        assert!(
            ys.iter()
                .all(|y| (*y - 275.0).abs() < 1e-3 || (*y - 325.0).abs() < 1e-3)
        );
    }
}
