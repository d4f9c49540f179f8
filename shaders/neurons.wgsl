// Somata as impostor spheres: one camera-facing triangle per neuron (its incircle holds the
// sphere's silhouette), in one non-instanced draw: neuron = vertex_index / 3, per-neuron data
// read from storage buffers. Software rasterisers such as lavapipe pay per instance of an
// instanced draw and per triangle set up; one big draw of one triangle per neuron is the
// cheapest for them (30 % more fragments than a quad, half the triangles). Each fragment
// intersects the ray with the sphere and writes the true depth of the hit, so that spheres
// intersect correctly (with EXACT_DEPTH; without it, the whole disc takes the depth of the
// sphere's nearest point, set per vertex, so that the rasteriser rejects hidden fragments before
// shading them: the same picture wherever spheres do not overlap). Activity: each neuron's last
// spike time; the glow fades as exp(-(t - t_spike) / tau) and is cut off after 6 tau (so that
// seeking reproduces frames played forward exactly).
//
// Three passes draw from the same buffers, each the neurons of its material (a range of the
// drawing order, or the list of emitters): the opaque pass (opaque and glow materials, into Bevy's main
// pass), the see-through pass (transparent and ghost: weighted blended order-independent
// transparency, McGuire and Bavoil 2013, into an accumulation and a revealage target, depth
// tested against the opaque depth and never writing it) and the glow pass (what emits light:
// spiking neurons and the glow material, into a target that is blurred and added as bloom).

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
    // x: glow (bloom) strength; y, z: nearest and farthest depth of the scene along the view
    // (weights of the see-through pass); w: a ghost's opacity at most.
    looks: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: NeuronView;
// Per neuron, xyz: soma position (µm); w: radius (0 hides it).
@group(0) @binding(1) var<storage, read> centers: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> last_spikes: array<f32>;
// Per neuron, sRGB colour; alpha 0.5 or less: a flat point, not a shaded sphere. Apart from the
// centres so that a report frame uploads colours only.
@group(0) @binding(3) var<storage, read> colors: array<vec4<f32>>;
// Per neuron: bits 0-1 the material (0 opaque, 1 transparent, 2 ghost, 3 glow), bits 8-15 the
// opacity in 1/255 steps (`src/view/looks/material.rs`).
@group(0) @binding(4) var<storage, read> looks: array<u32>;

// The neurons that emit light now (the glow pass draws these only, one triangle each).
@group(0) @binding(5) var<storage, read> emitters: array<u32>;
// The drawn neurons, opaque ones first, then the see-through ones: the opaque and see-through
// passes each draw their range of it (`DrawOrder` in `src/view/render/neurons.rs`), so that
// neither shades the vertices of neurons it does not draw, nor of hidden ones.
@group(0) @binding(6) var<storage, read> order: array<u32>;

const PASS_OPAQUE: u32 = 0u;
const PASS_SEE_THROUGH: u32 = 1u;
const PASS_GLOW: u32 = 2u;
const MATERIAL_OPAQUE: u32 = 0u;
const MATERIAL_TRANSPARENT: u32 = 1u;
const MATERIAL_GHOST: u32 = 2u;
const MATERIAL_GLOW: u32 = 3u;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) @interpolate(flat) center_radius: vec4<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
    // x: material, y: opacity, z: emission (glow pass).
    @location(3) @interpolate(flat) look: vec4<f32>,
};

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

@vertex
fn vertex(@builtin(vertex_index) vertex: u32) -> VertexOut {
    return neuron_vertex(order[vertex / 3u], vertex % 3u, PASS_OPAQUE);
}

@vertex
fn vertex_see_through(@builtin(vertex_index) vertex: u32) -> VertexOut {
    return neuron_vertex(order[vertex / 3u], vertex % 3u, PASS_SEE_THROUGH);
}

@vertex
fn vertex_glow(@builtin(vertex_index) vertex: u32) -> VertexOut {
    return neuron_vertex(emitters[vertex / 3u], vertex % 3u, PASS_GLOW);
}

fn neuron_vertex(index: u32, corner_index: u32, which: u32) -> VertexOut {
    var out: VertexOut;
    let center_radius = centers[index];
    let color = colors[index];
    let last_spike = last_spikes[index];
    let look = looks[index];
    let material = look & 3u;
    let opacity = f32((look >> 8u) & 255u) / 255.0;
    // An equilateral triangle whose incircle is the unit circle.
    var corners = array<vec2<f32>, 3>(
        vec2<f32>(0.0, 2.0), vec2<f32>(-1.7320508, -1.0), vec2<f32>(1.7320508, -1.0),
    );
    let corner = corners[corner_index];

    let dt = view.params.x - last_spike;
    let tau = max(view.params.y, 1e-3);
    var glow = 0.0;
    if (dt >= 0.0 && dt < 6.0 * tau) {
        glow = exp(-dt / tau);
    }
    let radius = center_radius.w * view.params.z * (1.0 + view.flash.a * glow);
    let see_through = material == MATERIAL_TRANSPARENT || material == MATERIAL_GHOST;
    var emission = 0.0;
    // A ghost's spike glows at half strength (it is there to show where, not to blind).
    var emits = 1.0;
    if (material == MATERIAL_GHOST) {
        emits = 0.5;
    }
    if (which == PASS_GLOW) {
        emission = glow * view.params.w;
        if (material == MATERIAL_GLOW) {
            emission = emission + 0.6;
        }
        emission = emission * view.looks.x * emits;
    }
    var skip = false;
    switch which {
        case 0u: { skip = see_through; }
        case 1u: { skip = !see_through; }
        default: { skip = emission <= 0.0; }
    }
    if (radius <= 0.0 || skip) {
        // Hidden: a triangle of no area inside the clip volume (thrown away at setup; one
        // outside it would send its whole batch of triangles through the clipper).
        out.clip = vec4<f32>(0.0, 0.0, 0.5, 1.0);
        return out;
    }
    let center = center_radius.xyz;

    // Billboard axes facing the camera (for perspective, towards the eye).
    var right = view.right.xyz;
    var up = view.up.xyz;
    var extent = 1.0;
    var toward_eye = -view.forward.xyz;
    if (view.camera.w < 0.5) {
        let eye = view.camera.xyz - center;
        let d2 = dot(eye, eye);
        let to_eye = eye * inverseSqrt(d2);
        toward_eye = to_eye;
        right = normalize(cross(view.up.xyz, to_eye));
        up = cross(to_eye, right);
        // The silhouette cone cuts the plane through the centre in a circle of radius
        // r D / sqrt(D^2 - r^2): the smallest quad that holds the sphere (fewer fragments,
        // which is what a software rasteriser pays for).
        extent = min(sqrt(d2 / max(d2 - radius * radius, 1e-6)), 4.0) * 1.02;
    }
    var plane = center;
    if (which == PASS_SEE_THROUGH) {
        // The see-through pass writes no depth of its own: its triangle stands at the sphere's
        // front, so that the fixed-function depth test (before the fragment shader, which then
        // runs only where the sphere is not hidden) keeps every part of it in front of the
        // opaque depth.
        plane = center + toward_eye * radius;
    }
    let world = plane + (right * corner.x + up * corner.y) * radius * extent;
    out.clip = view.clip_from_world * vec4<f32>(world, 1.0);
#ifndef EXACT_DEPTH
    // The depth of the sphere's nearest point, the same at the three corners.
    let nearest = view.clip_from_world * vec4<f32>(center + toward_eye * radius, 1.0);
    out.clip.z = nearest.z / nearest.w * out.clip.w;
#endif
    out.world = world;
    out.center_radius = vec4<f32>(center, radius);

    let base = srgb_to_linear(color.rgb);
    // A ghost's flash tints it half as much (it stays the colour of its layer in a crowd).
    var lit = mix(base, view.flash.rgb, clamp(glow * view.params.w * emits, 0.0, 1.0));
    if (which == PASS_GLOW) {
        // What the neuron emits: its flash, and its own colour for the glow material.
        lit = view.flash.rgb * glow * view.params.w;
        if (material == MATERIAL_GLOW) {
            lit = lit + base * 0.6;
        }
        lit = lit * view.looks.x * emits;
    }
    out.color = vec4<f32>(lit, color.a);
    out.look = vec4<f32>(f32(material), opacity, emission, 0.0);
    return out;
}

struct FragmentOut {
    @location(0) color: vec4<f32>,
#ifdef EXACT_DEPTH
    @builtin(frag_depth) depth: f32,
#endif
};

// Where the view ray meets the sphere, and the sphere's normal there.
struct Hit {
    point: vec3<f32>,
    normal: vec3<f32>,
    dir: vec3<f32>,
    // The clip-space depth of the hit.
    depth: f32,
    ok: bool,
};

fn hit_sphere(in: VertexOut) -> Hit {
    var h: Hit;
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
    h.ok = disc >= 0.0;
    let s = -b - sqrt(max(disc, 0.0));
    h.point = origin + s * dir;
    h.normal = normalize(h.point - center);
    h.dir = dir;
    let clip = view.clip_from_world * vec4<f32>(h.point, 1.0);
    h.depth = clip.z / clip.w;
    return h;
}

// Headlight: diffuse from the eye plus ambient (flat points are not shaded).
fn headlight(in: VertexOut, h: Hit) -> f32 {
    if (in.color.a > 0.5) {
        return 0.35 + 0.65 * max(dot(h.normal, -h.dir), 0.0);
    }
    return 1.0;
}

@fragment
fn fragment(in: VertexOut) -> FragmentOut {
    var out: FragmentOut;
    let h = hit_sphere(in);
    if (!h.ok) {
        discard;
    }
    var shade = headlight(in, h);
    if (u32(in.look.x) == MATERIAL_GLOW) {
        // Emissive: lit from within, barely shaded.
        shade = 0.85 + 0.15 * shade;
    }
    out.color = vec4<f32>(in.color.rgb * shade, 1.0);
#ifdef EXACT_DEPTH
    out.depth = h.depth;
#endif
    return out;
}

struct SeeThroughOut {
    // rgb: premultiplied colour times weight; a: alpha times weight (summed).
    @location(0) accum: vec4<f32>,
    // r: alpha (the target keeps the product of 1 - alpha, the revealage).
    @location(1) reveal: vec4<f32>,
};

// McGuire and Bavoil's depth weight (their eq. 9 on the depth normalised over the scene's
// extent along the view): nearer surfaces weigh more, so that the nearest layers dominate the
// average without any sorting.
fn oit_weight(alpha: f32, point: vec3<f32>) -> f32 {
    let d = dot(point - view.camera.xyz, view.forward.xyz);
    let t = clamp((d - view.looks.y) / max(view.looks.z - view.looks.y, 1e-3), 0.0, 1.0);
    let u = 1.0 - t;
    return alpha * clamp(3e3 * u * u * u, 1e-2, 3e3);
}

@fragment
fn fragment_oit(in: VertexOut) -> SeeThroughOut {
    var out: SeeThroughOut;
    let h = hit_sphere(in);
    if (!h.ok) {
        discard;
    }
    let shade = headlight(in, h);
    var alpha = in.look.y;
    var rgb = in.color.rgb * shade;
    if (u32(in.look.x) == MATERIAL_GHOST) {
        // A ghost: dim, nearly clear where it faces the eye, denser at its rim.
        let facing = abs(dot(h.normal, -h.dir));
        alpha = in.look.y * view.looks.w * (0.35 + 0.65 * (1.0 - facing));
        rgb = in.color.rgb * 0.75;
    }
    alpha = clamp(alpha, 0.0, 0.995);
    let w = oit_weight(alpha, h.point);
    out.accum = vec4<f32>(rgb * alpha, alpha) * w;
    out.reveal = vec4<f32>(alpha, 0.0, 0.0, 0.0);
    return out;
}

@fragment
fn fragment_glow(in: VertexOut) -> FragmentOut {
    var out: FragmentOut;
    let h = hit_sphere(in);
    if (!h.ok) {
        discard;
    }
    out.color = vec4<f32>(in.color.rgb, 1.0);
#ifdef EXACT_DEPTH
    out.depth = h.depth;
#endif
    return out;
}
