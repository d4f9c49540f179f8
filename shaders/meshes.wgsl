// Instanced meshes of the named layers (`src/view/render/meshes.rs`): morphologies, edges, the probe.
// Per vertex: position, normal, colour; per instance: world_from_local (four columns) and a
// colour that multiplies the vertex colour. Colours are sRGB, converted to linear here.
// Triangles get a two-sided headlight (diffuse from the eye plus ambient); lines are unshaded.
// An instance colour with alpha 0 hides the instance; an alpha between 0 and 1 makes it
// see-through: left out of the opaque pass, drawn by the see-through pass (weighted blended
// order-independent transparency, as the somata in `neurons.wgsl`).

struct MeshView {
    clip_from_world: mat4x4<f32>,
    // xyz: camera position in world space; w: 1 for orthographic, 0 for perspective.
    camera: vec4<f32>,
    // xyz: camera forward (view direction); w: unused.
    forward: vec4<f32>,
    // x, y: nearest and farthest depth of the scene along the view.
    depth_range: vec4<f32>,
};

@group(0) @binding(0) var<uniform> view: MeshView;

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec4<f32>,
    @location(3) world_from_local_0: vec4<f32>,
    @location(4) world_from_local_1: vec4<f32>,
    @location(5) world_from_local_2: vec4<f32>,
    @location(6) world_from_local_3: vec4<f32>,
    @location(7) instance_color: vec4<f32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec3<f32>,
    @location(3) @interpolate(flat) alpha: f32,
};

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

@vertex
fn vertex(in: VertexIn) -> VertexOut {
    return mesh_vertex(in, in.instance_color.a >= 1.0);
}

@vertex
fn vertex_see_through(in: VertexIn) -> VertexOut {
    return mesh_vertex(in, in.instance_color.a > 0.0 && in.instance_color.a < 1.0);
}

fn mesh_vertex(in: VertexIn, drawn: bool) -> VertexOut {
    var out: VertexOut;
    if (!drawn) {
        // Hidden instance: every vertex at one point inside the clip volume, primitives of no
        // area that the rasteriser drops (outside the volume they would go through a software
        // rasteriser's clipper, its slow path).
        out.clip = vec4<f32>(0.0, 0.0, 0.5, 1.0);
        return out;
    }
    let world_from_local = mat4x4<f32>(
        in.world_from_local_0,
        in.world_from_local_1,
        in.world_from_local_2,
        in.world_from_local_3,
    );
    let world = world_from_local * vec4<f32>(in.position, 1.0);
    out.clip = view.clip_from_world * world;
    out.world = world.xyz;
    // Exact for rotations and uniform scales (what cells and probes use).
    out.normal = (world_from_local * vec4<f32>(in.normal, 0.0)).xyz;
    out.color = srgb_to_linear(clamp(in.color.rgb * in.instance_color.rgb, vec3<f32>(0.0), vec3<f32>(1.0)));
    out.alpha = in.instance_color.a;
    return out;
}

fn headlight(in: VertexOut) -> f32 {
    var to_eye = -view.forward.xyz;
    if (view.camera.w < 0.5) {
        to_eye = normalize(view.camera.xyz - in.world);
    }
    let len = length(in.normal);
    var shade = 1.0;
    if (len > 1e-6) {
        // Two-sided: thin tubes are seen from inside at their open ends.
        shade = 0.3 + 0.7 * abs(dot(in.normal / len, to_eye));
    }
    return shade;
}

@fragment
fn fragment_lit(in: VertexOut) -> @location(0) vec4<f32> {
    return vec4<f32>(in.color * headlight(in), 1.0);
}

struct SeeThroughOut {
    @location(0) accum: vec4<f32>,
    @location(1) reveal: vec4<f32>,
};

// McGuire and Bavoil's weighted blended order-independent transparency (their eq. 9 on the
// depth normalised over the scene's extent along the view).
fn see_through(rgb: vec3<f32>, alpha_in: f32, world: vec3<f32>) -> SeeThroughOut {
    var out: SeeThroughOut;
    let alpha = clamp(alpha_in, 0.0, 0.995);
    let d = dot(world - view.camera.xyz, view.forward.xyz);
    let t = clamp((d - view.depth_range.x) / max(view.depth_range.y - view.depth_range.x, 1e-3), 0.0, 1.0);
    let u = 1.0 - t;
    let w = alpha * clamp(3e3 * u * u * u, 1e-2, 3e3);
    out.accum = vec4<f32>(rgb * alpha, alpha) * w;
    out.reveal = vec4<f32>(alpha, 0.0, 0.0, 0.0);
    return out;
}

@fragment
fn fragment_lit_oit(in: VertexOut) -> SeeThroughOut {
    return see_through(in.color * headlight(in), in.alpha, in.world);
}

@fragment
fn fragment_flat_oit(in: VertexOut) -> SeeThroughOut {
    return see_through(in.color, in.alpha, in.world);
}

@fragment
fn fragment_flat(in: VertexOut) -> @location(0) vec4<f32> {
    return vec4<f32>(in.color, 1.0);
}
