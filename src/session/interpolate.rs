//! The arithmetic of stories (no Bevy): eases, lerps, Catmull-Rom through keys in time, and a
//! rotation about an axis.

use super::format::Ease;

/// The eased fraction of a way from one key to the next: `linear` as it is, `smooth` by
/// smoothstep (`3u² - 2u³`: no jolt at either key). `u` is clamped to 0..1.
pub fn ease_fraction(ease: Ease, u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
    match ease {
        Ease::Linear => u,
        Ease::Smooth => u * u * (3.0 - 2.0 * u),
    }
}

pub fn lerp(a: f64, b: f64, u: f64) -> f64 {
    a + (b - a) * u
}

pub fn lerp3(a: [f64; 3], b: [f64; 3], u: f64) -> [f64; 3] {
    [
        lerp(a[0], b[0], u),
        lerp(a[1], b[1], u),
        lerp(a[2], b[2], u),
    ]
}

/// A point on the Catmull-Rom curve through `points` at `times` (sorted, distinct), on the
/// segment from `points[i]` to `points[i + 1]` at fraction `u`. Tangents are the neighbours'
/// differences over their time span, so the speed is continuous across keys however far apart
/// they lie in time; an end segment reflects its missing neighbour, so a curve through two
/// points is exactly their straight line.
pub fn catmull_rom(points: &[[f64; 3]], times: &[f64], i: usize, u: f64) -> [f64; 3] {
    let (p1, p2) = (points[i], points[i + 1]);
    let has_before = i > 0;
    let has_after = i + 2 < points.len();
    if !has_before && !has_after {
        return lerp3(p1, p2, u);
    }
    let h = times[i + 1] - times[i];
    let chord = |a: [f64; 3], b: [f64; 3], dt: f64| -> [f64; 3] {
        [(b[0] - a[0]) / dt, (b[1] - a[1]) / dt, (b[2] - a[2]) / dt]
    };
    let m1 = if has_before {
        chord(points[i - 1], p2, times[i + 1] - times[i - 1])
    } else {
        chord(p1, p2, h)
    };
    let m2 = if has_after {
        chord(p1, points[i + 2], times[i + 2] - times[i])
    } else {
        chord(p1, p2, h)
    };
    let (u2, u3) = (u * u, u * u * u);
    let h00 = 2.0 * u3 - 3.0 * u2 + 1.0;
    let h10 = u3 - 2.0 * u2 + u;
    let h01 = -2.0 * u3 + 3.0 * u2;
    let h11 = u3 - u2;
    std::array::from_fn(|k| h00 * p1[k] + h10 * h * m1[k] + h01 * p2[k] + h11 * h * m2[k])
}

/// `v` turned by `degrees` about the unit `axis` (right-handed, Rodrigues).
pub fn rotate_about(v: [f64; 3], axis: [f64; 3], degrees: f64) -> [f64; 3] {
    let n = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
    if n == 0.0 || degrees == 0.0 {
        return v;
    }
    let k = [axis[0] / n, axis[1] / n, axis[2] / n];
    let (s, c) = degrees.to_radians().sin_cos();
    let dot = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
    let cross = [
        k[1] * v[2] - k[2] * v[1],
        k[2] * v[0] - k[0] * v[2],
        k[0] * v[1] - k[1] * v[0],
    ];
    std::array::from_fn(|i| v[i] * c + cross[i] * s + k[i] * dot * (1.0 - c))
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn unit(v: [f64; 3]) -> Option<[f64; 3]> {
    let n = dot(v, v).sqrt();
    (n > 1e-12).then(|| v.map(|x| x / n))
}

/// The direction a fraction `u` of the way from `a` to `b` along the great circle between them
/// (slerp of their directions): it turns evenly and never passes through zero, so an `up`
/// never flips. Opposite directions turn about `axis`'s part across them (the view direction:
/// the picture rolls half a turn). A zero vector gives the other one.
pub fn slerp_direction(a: [f64; 3], b: [f64; 3], u: f64, axis: [f64; 3]) -> [f64; 3] {
    let (a, b) = match (unit(a), unit(b)) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) => return a,
        (None, Some(b)) => return b,
        (None, None) => return [0.0, 1.0, 0.0],
    };
    let angle = dot(a, b).clamp(-1.0, 1.0).acos();
    if angle < 1e-9 {
        return a;
    }
    let turn_axis = unit(cross(a, b))
        .filter(|_| angle < std::f64::consts::PI - 1e-6)
        .or_else(|| unit(std::array::from_fn(|k| axis[k] - a[k] * dot(axis, a))))
        .or_else(|| unit(cross(a, [1.0, 0.0, 0.0])))
        .or_else(|| unit(cross(a, [0.0, 1.0, 0.0])))
        .unwrap_or([0.0, 0.0, 1.0]);
    rotate_about(a, turn_axis, (angle * u.clamp(0.0, 1.0)).to_degrees())
}

pub fn to_f64(v: [f32; 3]) -> [f64; 3] {
    v.map(f64::from)
}

pub fn to_f32(v: [f64; 3]) -> [f32; 3] {
    v.map(|x| x as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eases_start_and_end_at_the_keys() {
        for ease in [Ease::Linear, Ease::Smooth] {
            assert_eq!(ease_fraction(ease, 0.0), 0.0);
            assert_eq!(ease_fraction(ease, 1.0), 1.0);
            assert_eq!(ease_fraction(ease, 0.5), 0.5);
        }
        assert_eq!(ease_fraction(Ease::Linear, 0.25), 0.25);
        // smoothstep is slow near the keys: below the line at the start
        assert!(ease_fraction(Ease::Smooth, 0.1) < 0.1);
        assert!((ease_fraction(Ease::Smooth, 0.25) - 0.15625).abs() < 1e-12);
    }

    #[test]
    fn catmull_rom_passes_through_its_points_without_kinks() {
        let points = [
            [0.0, 0.0, 0.0],
            [1.0, 2.0, 0.0],
            [3.0, 1.0, 1.0],
            [4.0, 4.0, 2.0],
        ];
        let times = [0.0, 1.0, 3.0, 4.0];
        for i in 0..3 {
            assert_eq!(catmull_rom(&points, &times, i, 0.0), points[i]);
            let end = catmull_rom(&points, &times, i, 1.0);
            for k in 0..3 {
                assert!((end[k] - points[i + 1][k]).abs() < 1e-12);
            }
        }
        // the velocity in time is the same on both sides of an inner key
        for i in 1..3 {
            let eps = 1e-6;
            let before = catmull_rom(
                &points,
                &times,
                i - 1,
                1.0 - eps / (times[i] - times[i - 1]),
            );
            let after = catmull_rom(&points, &times, i, eps / (times[i + 1] - times[i]));
            for k in 0..3 {
                let v_in = (points[i][k] - before[k]) / eps;
                let v_out = (after[k] - points[i][k]) / eps;
                assert!(
                    (v_in - v_out).abs() < 1e-4,
                    "key {i} axis {k}: {v_in} vs {v_out}"
                );
            }
        }
        // two points: exactly the straight line
        let two = [[1.0, 2.0, 3.0], [5.0, -2.0, 7.0]];
        assert_eq!(
            catmull_rom(&two, &[0.0, 2.0], 0, 0.25),
            lerp3(two[0], two[1], 0.25)
        );
    }

    #[test]
    fn directions_turn_evenly_and_opposite_ones_turn_about_the_axis() {
        let close = |a: [f64; 3], b: [f64; 3]| (0..3).all(|k| (a[k] - b[k]).abs() < 1e-9);
        let (y, x) = ([0.0, 2.0, 0.0], [3.0, 0.0, 0.0]);
        let view = [0.0, 0.0, -1.0];
        assert!(close(slerp_direction(y, x, 0.0, view), [0.0, 1.0, 0.0]));
        assert!(close(slerp_direction(y, x, 1.0, view), [1.0, 0.0, 0.0]));
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!(close(slerp_direction(y, x, 0.5, view), [h, h, 0.0]));
        // a third of a quarter turn is 30 degrees, not where a straight line would be
        let third = slerp_direction(y, x, 1.0 / 3.0, view);
        assert!(close(third, [0.5, 3f64.sqrt() / 2.0, 0.0]), "{third:?}");
        // up to down: half a turn about the view direction, unit length all the way
        let down = [0.0, -1.0, 0.0];
        for i in 0..=10 {
            let v = slerp_direction(y, down, f64::from(i) / 10.0, view);
            assert!((dot(v, v) - 1.0).abs() < 1e-9);
            assert!(v[2].abs() < 1e-9, "stays across the view direction: {v:?}");
        }
        // (right-handed about the view direction -z: +y turns through +x)
        assert!(close(slerp_direction(y, down, 0.5, view), [1.0, 0.0, 0.0]));
        assert!(close(slerp_direction(y, down, 1.0, view), down));
    }

    #[test]
    fn a_quarter_turn_about_y_takes_z_to_x() {
        let r = rotate_about([0.0, 0.0, 1.0], [0.0, 1.0, 0.0], 90.0);
        assert!((r[0] - 1.0).abs() < 1e-12 && r[1].abs() < 1e-12 && r[2].abs() < 1e-12);
    }
}
