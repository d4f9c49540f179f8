//! Meshes of a morphology in its own coordinates, as plain arrays (no Bevy): tubes that follow
//! the radii, or line segments. Built once per unique morphology; cells instance them with their
//! `world_from_local` transform.

use super::{Morphology, SectionType};

/// Triangles with normals; `section_types[v]` is the SWC type of vertex `v` (1 for the soma).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TriangleMesh {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub section_types: Vec<u8>,
    /// Per vertex: where along the morphology it lies.
    pub along: Vec<Along>,
    /// Three per triangle, counter-clockwise seen from outside.
    pub indices: Vec<u32>,
}

/// Line segments (two indices each) along the sections, with the soma as centre and radius.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineMesh {
    pub positions: Vec<[f32; 3]>,
    pub section_types: Vec<u8>,
    /// Per vertex: where along the morphology it lies.
    pub along: Vec<Along>,
    pub indices: Vec<u32>,
    pub soma_center: [f32; 3],
    pub soma_radius: f32,
}

/// Where a mesh vertex lies on the morphology: its section (index into
/// [`Morphology::sections`], [`Along::SOMA`] for the soma) and the fraction of the section's
/// path length from its start (0..1), as NEURON's `x` of a segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Along {
    pub section: u32,
    pub x: f32,
}

impl Along {
    /// The section of soma vertices.
    pub const SOMA: u32 = u32::MAX;
}

/// The fraction of path length at each point of a section (0 at the first, 1 at the last; a
/// section of no length is all 0).
fn arc_fractions(points: &[[f32; 3]]) -> Vec<f32> {
    let mut acc = Vec::with_capacity(points.len());
    let mut total = 0.0f32;
    for (i, p) in points.iter().enumerate() {
        if i > 0 {
            let d = sub(*p, points[i - 1]);
            total += dot(d, d).sqrt();
        }
        acc.push(total);
    }
    if total > 0.0 {
        for a in &mut acc {
            *a /= total;
        }
    }
    acc
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TubeOptions {
    /// Vertices around each ring (at least 3).
    pub sides: u32,
    /// Radii below this are drawn at this size, so that thin or zero-radius points stay visible.
    pub min_radius: f32,
    /// Latitude rings of the soma sphere (at least 2); 0 leaves the soma out.
    pub soma_rings: u32,
}

impl Default for TubeOptions {
    fn default() -> Self {
        Self {
            sides: 6,
            min_radius: 0.1,
            soma_rings: 6,
        }
    }
}

/// Tubes along every section plus a sphere for the soma.
pub fn tube_mesh(m: &Morphology, options: TubeOptions) -> TriangleMesh {
    let sides = options.sides.max(3) as usize;
    let mut mesh = TriangleMesh::default();
    if options.soma_rings > 0 && !m.soma.points.is_empty() {
        let c = m.soma.center().map(|v| v as f32);
        let r = m.soma.display_radius().max(options.min_radius);
        add_sphere(
            &mut mesh,
            c,
            r,
            options.soma_rings.max(2) as usize,
            sides.max(6),
        );
    }
    for (section_index, section) in m.sections.iter().enumerate() {
        let n = section.points.len();
        if n < 2 {
            continue;
        }
        let ty = section.section_type.0;
        let mut arcs = arc_fractions(&section.points).into_iter();
        let base = mesh.positions.len() as u32;
        let mut normal = initial_normal(direction(section.points[0], section.points[1]));
        for i in 0..n {
            let arc = arcs.next().unwrap_or(0.0);
            let tangent = point_tangent(&section.points, i);
            // Parallel transport: keep the ring's reference direction perpendicular to the
            // tangent with as little twist as possible.
            normal = orthonormalise(normal, tangent);
            let binormal = cross(tangent, normal);
            let r = section.radii[i].max(options.min_radius);
            let p = section.points[i];
            for k in 0..sides {
                let a = std::f32::consts::TAU * k as f32 / sides as f32;
                let (s, c) = a.sin_cos();
                let dir = add(scale(normal, c), scale(binormal, s));
                mesh.positions.push(add(p, scale(dir, r)));
                mesh.normals.push(dir);
                mesh.section_types.push(ty);
                mesh.along.push(Along {
                    section: section_index as u32,
                    x: arc,
                });
            }
        }
        for i in 0..n as u32 - 1 {
            for k in 0..sides as u32 {
                let k1 = (k + 1) % sides as u32;
                let a = base + i * sides as u32 + k;
                let b = base + i * sides as u32 + k1;
                let c = base + (i + 1) * sides as u32 + k;
                let d = base + (i + 1) * sides as u32 + k1;
                mesh.indices.extend_from_slice(&[a, b, c, b, d, c]);
            }
        }
    }
    mesh
}

/// One line segment per pair of consecutive section points.
pub fn line_mesh(m: &Morphology) -> LineMesh {
    let mut mesh = LineMesh {
        soma_center: m.soma.center().map(|v| v as f32),
        soma_radius: m.soma.display_radius(),
        ..LineMesh::default()
    };
    for (section_index, section) in m.sections.iter().enumerate() {
        let base = mesh.positions.len() as u32;
        mesh.positions.extend_from_slice(&section.points);
        mesh.along
            .extend(arc_fractions(&section.points).into_iter().map(|x| Along {
                section: section_index as u32,
                x,
            }));
        mesh.section_types.extend(std::iter::repeat_n(
            section.section_type.0,
            section.points.len(),
        ));
        for i in 1..section.points.len() as u32 {
            mesh.indices.extend_from_slice(&[base + i - 1, base + i]);
        }
    }
    mesh
}

fn add_sphere(mesh: &mut TriangleMesh, c: [f32; 3], r: f32, rings: usize, sides: usize) {
    let base = mesh.positions.len() as u32;
    for i in 0..=rings {
        let theta = std::f32::consts::PI * i as f32 / rings as f32;
        let (st, ct) = theta.sin_cos();
        for k in 0..=sides {
            let phi = std::f32::consts::TAU * k as f32 / sides as f32;
            let (sp, cp) = phi.sin_cos();
            let n = [st * cp, ct, st * sp];
            mesh.positions.push(add(c, scale(n, r)));
            mesh.normals.push(n);
            mesh.section_types.push(SectionType::SOMA.0);
            mesh.along.push(Along {
                section: Along::SOMA,
                x: 0.5,
            });
        }
    }
    let row = sides as u32 + 1;
    for i in 0..rings as u32 {
        for k in 0..sides as u32 {
            let a = base + i * row + k;
            let b = a + row;
            mesh.indices
                .extend_from_slice(&[a, a + 1, b, a + 1, b + 1, b]);
        }
    }
}

fn point_tangent(points: &[[f32; 3]], i: usize) -> [f32; 3] {
    let n = points.len();
    let prev = if i > 0 { points[i - 1] } else { points[i] };
    let next = if i + 1 < n { points[i + 1] } else { points[i] };
    let t = direction(prev, next);
    if t == [0.0; 3] {
        // Repeated points: fall back to any neighbouring non-zero step.
        points
            .windows(2)
            .map(|w| direction(w[0], w[1]))
            .find(|d| *d != [0.0; 3])
            .unwrap_or([0.0, 0.0, 1.0])
    } else {
        t
    }
}

fn direction(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    normalise(sub(b, a))
}

fn initial_normal(t: [f32; 3]) -> [f32; 3] {
    let helper = if t[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    normalise(cross(t, helper))
}

fn orthonormalise(n: [f32; 3], t: [f32; 3]) -> [f32; 3] {
    let projected = sub(n, scale(t, dot(n, t)));
    let len = dot(projected, projected).sqrt();
    if len < 1e-6 {
        initial_normal(t)
    } else {
        scale(projected, 1.0 / len)
    }
}

fn normalise(v: [f32; 3]) -> [f32; 3] {
    let len = dot(v, v).sqrt();
    if len < 1e-12 {
        [0.0; 3]
    } else {
        scale(v, 1.0 / len)
    }
}

fn add(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn scale(a: [f32; 3], s: f32) -> [f32; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
