//! Distance terms: `within R of (EXPR)` (a soma within R µm of a soma EXPR selects, in any
//! population, itself included) and `within R of probe` (within R µm of the nearest recording
//! site). A k-d tree over the points; one nearest-point query per soma. Nodes without a
//! position are never within anything.

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use rayon::prelude::*;

use super::context::term_error;
use super::scope::{Masks, Scope};
use crate::sonata::error::Result;

/// Somata within `radius_um` of a soma that `inner` selects. Selected nodes that all lack a
/// position are an error (the answer would be empty for want of positions, not of neighbours).
pub(super) fn within_selection(scope: &Scope, inner: &Masks, radius_um: f64) -> Result<Masks> {
    let mut points = Vec::new();
    let mut selected = 0;
    for (p, mask) in inner.iter().enumerate() {
        let positions = scope.positions(p);
        selected += mask.iter().filter(|m| **m).count();
        points.extend(
            mask.iter()
                .zip(positions)
                .filter(|(m, xyz)| **m && finite(xyz))
                .map(|(_, xyz)| *xyz),
        );
    }
    if selected > 0 && points.is_empty() {
        return Err(term_error(format!(
            "`within {radius_um} of (...)`: none of the {selected} nodes selected in the \
             parentheses has a soma position (x, y, z)"
        )));
    }
    Ok(within_points(scope, &points, radius_um))
}

fn finite(xyz: &[f64; 3]) -> bool {
    xyz.iter().all(|v| v.is_finite())
}

/// Squared distance as `((a - b) ** 2).sum()` adds it: x, then y, then z.
fn squared_distance(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let d = [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

/// Somata within `radius_um` of the nearest of `points`.
pub(super) fn within_points(scope: &Scope, points: &[[f64; 3]], radius_um: f64) -> Masks {
    let mut out = scope.empty_masks();
    let points: Vec<[f64; 3]> = points.iter().filter(|p| finite(p)).copied().collect();
    if points.is_empty() {
        return out;
    }
    let r2 = radius_um * radius_um;
    // The tree refuses some inputs; a scan of every point then finds the same nearest one.
    let tree = ImmutableKdTree::<f64, 3>::new_from_slice(&points).ok();
    let nearest_d2 = |q: &[f64; 3]| -> f64 {
        match &tree {
            Some(tree) => {
                let hit = tree
                    .query(q)
                    .nearest_one::<SquaredEuclidean<f64>>()
                    .execute();
                points
                    .get(hit.item as usize)
                    .map_or(f64::INFINITY, |p| squared_distance(q, p))
            }
            None => points
                .iter()
                .map(|p| squared_distance(q, p))
                .fold(f64::INFINITY, f64::min),
        }
    };
    // Only somata inside the points' box grown by the radius (and a little, for rounding) can
    // be within it: the rest need no query.
    let margin = radius_um * (1.0 + 1e-9) + 1e-9;
    let (mut lo, mut hi) = ([f64::INFINITY; 3], [f64::NEG_INFINITY; 3]);
    for q in &points {
        for k in 0..3 {
            lo[k] = lo[k].min(q[k] - margin);
            hi[k] = hi[k].max(q[k] + margin);
        }
    }
    let inside = |xyz: &[f64; 3]| (0..3).all(|k| lo[k] <= xyz[k] && xyz[k] <= hi[k]);
    for (p, mask) in out.iter_mut().enumerate() {
        mask.par_iter_mut()
            .zip(scope.positions(p).par_iter())
            .for_each(|(m, xyz)| *m = finite(xyz) && inside(xyz) && nearest_d2(xyz) <= r2);
    }
    out
}
