//! Where a morphology goes in the world, as BMTK places it
//! (`bionet/morphology.py::move_and_rotate`): rotate about the soma centre by
//! `R = Rx(x) · Ry(y) · Rz(z)` (so z first, for column vectors; counter-clockwise matrices),
//! then move the soma centre to the node's x, y, z. Or rotate by an orientation quaternion.

/// `world = rotation · local + translation` (rerun's naming: this is `world_from_local`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transform {
    /// Row-major 3 x 3.
    pub rotation: [[f64; 3]; 3],
    pub translation: [f64; 3],
}

impl Transform {
    pub const IDENTITY: Self = Self {
        rotation: IDENTITY,
        translation: [0.0; 3],
    };

    /// Maps a point of the morphology file into the world.
    pub fn apply(&self, p: [f64; 3]) -> [f64; 3] {
        let r = mat_vec(&self.rotation, p);
        [
            r[0] + self.translation[0],
            r[1] + self.translation[1],
            r[2] + self.translation[2],
        ]
    }

    /// Column-major 4 x 4 (the layout of glam's `Mat4::from_cols_array`) for GPU instances.
    pub fn to_cols_array(&self) -> [f32; 16] {
        let r = &self.rotation;
        let t = &self.translation;
        [
            r[0][0], r[1][0], r[2][0], 0.0, //
            r[0][1], r[1][1], r[2][1], 0.0, //
            r[0][2], r[1][2], r[2][2], 0.0, //
            t[0], t[1], t[2], 1.0,
        ]
        .map(|v| v as f32)
    }
}

const IDENTITY: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// How a node is turned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rotation {
    /// `rotation_angle_xaxis`, `_yaxis`, `_zaxis` in radians.
    EulerXyz([f64; 3]),
    /// `orientation_w`, `_x`, `_y`, `_z` (normalised before use).
    Quaternion([f64; 4]),
}

impl Rotation {
    pub fn matrix(&self) -> [[f64; 3]; 3] {
        match *self {
            Self::EulerXyz(angles) => euler_xyz(angles),
            Self::Quaternion(q) => quaternion(q),
        }
    }
}

/// The transform of a cell: rotation about `soma_center` (in the file's coordinates), then the
/// soma centre moved to `position`.
pub fn world_from_local(
    soma_center: [f64; 3],
    position: [f64; 3],
    rotation: Rotation,
) -> Transform {
    let rotation = rotation.matrix();
    let rc = mat_vec(&rotation, soma_center);
    Transform {
        rotation,
        translation: [
            position[0] - rc[0],
            position[1] - rc[1],
            position[2] - rc[2],
        ],
    }
}

/// BMTK's `rotx · (roty · rotz)`.
pub fn euler_xyz([x, y, z]: [f64; 3]) -> [[f64; 3]; 3] {
    let (sx, cx) = x.sin_cos();
    let (sy, cy) = y.sin_cos();
    let (sz, cz) = z.sin_cos();
    let rx = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
    let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
    let rz = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
    mat_mul(&rx, &mat_mul(&ry, &rz))
}

/// Rotation matrix of a (w, x, y, z) quaternion; the identity for a zero quaternion.
pub fn quaternion([w, x, y, z]: [f64; 4]) -> [[f64; 3]; 3] {
    let n = (w * w + x * x + y * y + z * z).sqrt();
    if n == 0.0 || !n.is_finite() {
        return IDENTITY;
    }
    let (w, x, y, z) = (w / n, x / n, y / n, z / n);
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
}

fn mat_vec(m: &[[f64; 3]; 3], v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

fn mat_mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    [0, 1, 2].map(|i| [0, 1, 2].map(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}
