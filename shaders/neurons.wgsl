// Somata as impostor spheres: one camera-facing triangle per neuron (its incircle holds the
// sphere's silhouette), in one non-instanced draw: neuron = vertex_index / 3, per-neuron data
// read from storage buffers. Software rasterisers such as lavapipe pay per instance of an
// instanced draw and per triangle set up; one big draw of one triangle per neuron is the
// cheapest for them (30 % more fragments than a quad, half the triangles). Each fragment
// intersects the ray with the sphere and writes the true depth of the hit, so that spheres
// intersect correctly. Activity: each neuron's last spike time; the glow fades as
// exp(-(t - t_spike) / tau) and is cut off after 6 tau (so that seeking reproduces frames
// played forward exactly).

struct NeuronView {
    clip_from_world: mat4x4<f32>,
    // xyz: camera position in world space; w: 1 for orthographic, 0 for perspective.
    camera: vec4<f32>,
    // xyz: camera right; w: unused.
    right: vec4<f32>,
    // xyz: camera up; w: unused.
    up: vec4<f32>,
    // xyz: camera forward (view direction); w: unused.
    forward: vec4<f32>,
    // x: model time (ms), y: fade time constant (ms), z: radius multiplier, w: glow gain.
    params: vec4<f32>,
    // rgb: colour of a spike flash (linear); a: how much a flash enlarges the sphere.
    flash: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: NeuronView;
// Per neuron, xyz: soma position (µm); w: radius (0 hides it).
@group(0) @binding(1) var<storage, read> centers: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> last_spikes: array<f32>;
// Per neuron, sRGB colour; alpha 0.5 or less: a flat point, not a shaded sphere. Apart from the
// centres so that a report frame uploads colours only.
@group(0) @binding(3) var<storage, read> colors: array<vec4<f32>>;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) @interpolate(flat) center_radius: vec4<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
};

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

@vertex
fn vertex(@builtin(vertex_index) vertex: u32) -> VertexOut {
    var out: VertexOut;
    let index = vertex / 3u;
    let center_radius = centers[index];
    let color = colors[index];
    let last_spike = last_spikes[index];
    // An equilateral triangle whose incircle is the unit circle.
    var corners = array<vec2<f32>, 3>(
        vec2<f32>(0.0, 2.0), vec2<f32>(-1.7320508, -1.0), vec2<f32>(1.7320508, -1.0),
    );
    let corner = corners[vertex % 3u];

    let dt = view.params.x - last_spike;
    let tau = max(view.params.y, 1e-3);
    var glow = 0.0;
    if (dt >= 0.0 && dt < 6.0 * tau) {
        glow = exp(-dt / tau);
    }
    let radius = center_radius.w * view.params.z * (1.0 + view.flash.a * glow);
    if (radius <= 0.0) {
        // Hidden: a degenerate triangle outside the clip volume.
        out.clip = vec4<f32>(2.0, 2.0, 2.0, 1.0);
        return out;
    }
    let center = center_radius.xyz;

    // Billboard axes facing the camera (for perspective, towards the eye).
    var right = view.right.xyz;
    var up = view.up.xyz;
    var extent = 1.0;
    if (view.camera.w < 0.5) {
        let eye = view.camera.xyz - center;
        let d2 = dot(eye, eye);
        let to_eye = eye * inverseSqrt(d2);
        right = normalize(cross(view.up.xyz, to_eye));
        up = cross(to_eye, right);
        // The silhouette cone cuts the plane through the centre in a circle of radius
        // r D / sqrt(D^2 - r^2): the smallest quad that holds the sphere (fewer fragments,
        // which is what a software rasteriser pays for).
        extent = min(sqrt(d2 / max(d2 - radius * radius, 1e-6)), 4.0) * 1.02;
    }
    let world = center + (right * corner.x + up * corner.y) * radius * extent;
    out.clip = view.clip_from_world * vec4<f32>(world, 1.0);
    out.world = world;
    out.center_radius = vec4<f32>(center, radius);

    let base = srgb_to_linear(color.rgb);
    let lit = mix(base, view.flash.rgb, clamp(glow * view.params.w, 0.0, 1.0));
    out.color = vec4<f32>(lit, color.a);
    return out;
}

struct FragmentOut {
    @location(0) color: vec4<f32>,
    @builtin(frag_depth) depth: f32,
};

@fragment
fn fragment(in: VertexOut) -> FragmentOut {
    var out: FragmentOut;
    let center = in.center_radius.xyz;
    let radius = in.center_radius.w;

    var origin = view.camera.xyz;
    var dir = normalize(in.world - view.camera.xyz);
    if (view.camera.w > 0.5) {
        dir = view.forward.xyz;
        origin = in.world - dir * 4.0 * radius;
    }
    // Ray-sphere: |origin + s dir - center|^2 = r^2.
    let oc = origin - center;
    let b = dot(oc, dir);
    let c = dot(oc, oc) - radius * radius;
    let disc = b * b - c;
    if (disc < 0.0) {
        discard;
    }
    let s = -b - sqrt(disc);
    let hit = origin + s * dir;
    let normal = normalize(hit - center);

    var shade = 1.0;
    if (in.color.a > 0.5) {
        // Headlight: diffuse from the eye plus ambient, a soft rim.
        let ndl = max(dot(normal, -dir), 0.0);
        shade = 0.35 + 0.65 * ndl;
    }
    out.color = vec4<f32>(in.color.rgb * shade, 1.0);
    let clip = view.clip_from_world * vec4<f32>(hit, 1.0);
    out.depth = clip.z / clip.w;
    return out;
}
