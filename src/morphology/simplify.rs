//! Fewer points for drawing: each section is thinned by Douglas-Peucker, keeping its first and
//! last points (so branch points and the tree stay as they are) and every point whose removal
//! would move the centre line, or change the radius, by more than a tolerance. Reconstructions
//! sample every micrometre or so; at a tolerance of 1 µm most points go, and meshes and lines
//! built from the result cost a fraction to draw.

use super::Morphology;

/// A copy of `m` with each section thinned to within `tolerance` µm (0 or less: unchanged).
pub fn simplified(m: &Morphology, tolerance: f32) -> Morphology {
    let mut out = m.clone();
    if tolerance <= 0.0 {
        return out;
    }
    for section in &mut out.sections {
        let n = section.points.len();
        if n <= 2 {
            continue;
        }
        let mut keep = vec![false; n];
        keep[0] = true;
        keep[n - 1] = true;
        thin(
            &section.points,
            &section.radii,
            0,
            n - 1,
            tolerance,
            &mut keep,
        );
        let mut k = keep.iter();
        section.points.retain(|_| k.next().copied().unwrap_or(true));
        let mut k = keep.iter();
        section.radii.retain(|_| k.next().copied().unwrap_or(true));
    }
    out
}

/// Points a segment may have to be split at its middle, unsearched, once the budget is spent.
const UNSEARCHED_SPAN: usize = 256;

/// Marks the points between `a` and `b` to keep (iterative, so long sections cannot overflow
/// the stack).
///
/// Douglas-Peucker costs O(n log n) on real reconstructions but O(n^2) where every split falls
/// next to an end (a zigzag of a million points: hours). The points scanned are counted; past
/// 64 per point, segments longer than [`UNSEARCHED_SPAN`] are split at their middle without
/// a search (that point is kept), which bounds the work to O(n) per point of the span while
/// every real section, well within the budget, is thinned exactly as before.
fn thin(points: &[[f32; 3]], radii: &[f32], a: usize, b: usize, tol: f32, keep: &mut [bool]) {
    let mut budget = 64 * (b - a + 1);
    let mut stack = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        if budget == 0 && b - a > UNSEARCHED_SPAN {
            let mid = a + (b - a) / 2;
            keep[mid] = true;
            stack.push((a, mid));
            stack.push((mid, b));
            continue;
        }
        budget = budget.saturating_sub(b - a - 1);
        let (pa, pb) = (points[a], points[b]);
        let (ra, rb) = (radii.get(a).copied(), radii.get(b).copied());
        let mut worst = (0.0f32, a);
        for (i, &p) in points.iter().enumerate().take(b).skip(a + 1) {
            let (d, t) = distance_to_segment(p, pa, pb);
            let dr = match (ra, rb, radii.get(i)) {
                (Some(ra), Some(rb), Some(&ri)) => (ri - (ra + t * (rb - ra))).abs(),
                _ => 0.0,
            };
            let e = d.max(dr);
            if e > worst.0 {
                worst = (e, i);
            }
        }
        if worst.0 > tol {
            keep[worst.1] = true;
            stack.push((a, worst.1));
            stack.push((worst.1, b));
        }
    }
}

/// Distance from `p` to the segment `a`-`b`, and where along it (0..1) the nearest point is.
fn distance_to_segment(p: [f32; 3], a: [f32; 3], b: [f32; 3]) -> (f32, f32) {
    let ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    let ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2];
    let t = if len2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let d = [ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]];
    ((d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt(), t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morphology::{Section, SectionType, Soma, SomaKind};

    fn one_section(points: Vec<[f32; 3]>) -> Morphology {
        Morphology {
            soma: Soma {
                kind: SomaKind::SinglePoint,
                points: vec![[0.0; 3]],
                radii: vec![5.0],
            },
            sections: vec![Section {
                section_type: SectionType(3),
                parent: None,
                radii: vec![0.5; points.len()],
                points,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_long_zigzag_keeps_every_corner() {
        // Every split of this zigzag falls next to an end: quadratic without the budget. Each
        // corner is 2 µm off the line through its neighbours, so all of them must stay.
        let n = 200_000;
        let points: Vec<[f32; 3]> = (0..n)
            .map(|k| [k as f32 * 0.5, if k % 2 == 0 { -1.0 } else { 1.0 }, 0.0])
            .collect();
        let thinned = simplified(&one_section(points.clone()), 0.5);
        assert_eq!(thinned.sections[0].points, points);
    }

    #[test]
    fn a_long_straight_chain_keeps_its_ends_only() {
        let points: Vec<[f32; 3]> = (0..1_000_000).map(|k| [k as f32 * 0.5, 0.0, 0.0]).collect();
        let thinned = simplified(&one_section(points.clone()), 0.5);
        assert_eq!(
            thinned.sections[0].points,
            [points[0], points[points.len() - 1]]
        );
    }
}
