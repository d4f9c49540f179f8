// Full-screen passes of the looks (`src/view/render/looks_passes.rs`), run after the opaque
// pass on Bevy's full-screen triangle:
// - `composite`: the background (flat or a vertical gradient) where nothing was drawn; on
//   drawn pixels eye-dome lighting (Boucheny 2009: each pixel darkened by how much farther it
//   lies than its neighbours, in log depth) and depth cueing toward the background; outlines
//   where depth jumps; the see-through layers (weighted blended order-independent transparency,
//   McGuire and Bavoil 2013) over that; the blurred glow added last.
// The glow's blur and the anti-aliasing are in `looks_filter.wgsl`.

struct FullscreenVertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

struct Post {
    // Undoes the projection for the depth alone: view-space depth = -(x z + y) / (z z + w)
    // for a depth-buffer value z (the third and fourth rows of the inverse projection's third
    // and fourth columns).
    unproject: vec4<f32>,
    // rgb: linear background (bottom of the gradient); w: 1 for a gradient.
    background: vec4<f32>,
    // rgb: linear background at the top.
    background_top: vec4<f32>,
    // x: eye-dome lighting strength, y: depth cueing, z: outline, w: glow strength.
    effects: vec4<f32>,
    // x, y: nearest and farthest depth of the scene; z: 1 when the see-through targets were
    // drawn; w: 1 when the glow target was drawn.
    depth: vec4<f32>,
};

@group(0) @binding(0) var<uniform> post: Post;
@group(0) @binding(1) var main_color: texture_2d<f32>;
@group(0) @binding(2) var main_depth: texture_depth_2d;
@group(0) @binding(3) var accum: texture_2d<f32>;
@group(0) @binding(4) var reveal: texture_2d<f32>;
// The glow, blurred at a quarter of the size (the halo).
@group(0) @binding(5) var glow: texture_2d<f32>;
@group(0) @binding(6) var linear_sampler: sampler;
// The glow as drawn (each emitting sphere, sharp).
@group(0) @binding(7) var glow_sharp: texture_2d<f32>;

// How far a depth-buffer value lies (view-space distance along the view); nothing drawn
// (0, reversed z): very far.
fn depth_of(z: f32) -> f32 {
    if (z <= 0.0) {
        return post.depth.y * 16.0 + 1.0;
    }
    let u = post.unproject;
    return max(-(u.x * z + u.y) / (u.z * z + u.w), 1e-3);
}

fn log_depth_at(p: vec2<i32>, size: vec2<i32>) -> f32 {
    let q = clamp(p, vec2<i32>(0), size - vec2<i32>(1));
    return log2(depth_of(textureLoad(main_depth, q, 0)));
}

fn background_at(uv: vec2<f32>) -> vec3<f32> {
    if (post.background.w > 0.5) {
        return mix(post.background_top.rgb, post.background.rgb, clamp(uv.y, 0.0, 1.0));
    }
    return post.background.rgb;
}

@fragment
fn composite(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {
    let p = vec2<i32>(in.position.xy);
    let size = vec2<i32>(textureDimensions(main_depth));
    let z = textureLoad(main_depth, p, 0);
    let drawn = z > 0.0;
    let bg = background_at(in.uv);
    var color = bg;
    let d = depth_of(z);
    let log_d = log2(d);
    // The log-depth steps down to the four pixels beside this one and the four diagonal ones
    // (read once, for the eye-dome lighting and the outline).
    var side = 0.0;
    var step_sum = 0.0;
    if (post.effects.x > 0.0 || post.effects.z > 0.0) {
        let sides = array<vec2<i32>, 4>(
            vec2<i32>(1, 0), vec2<i32>(-1, 0), vec2<i32>(0, 1), vec2<i32>(0, -1),
        );
        for (var i = 0; i < 4; i = i + 1) {
            let s = log_d - log_depth_at(p + sides[i], size);
            side = max(side, s);
            step_sum = step_sum + max(0.0, s);
        }
        if (post.effects.x > 0.0 && drawn) {
            let corners = array<vec2<i32>, 4>(
                vec2<i32>(1, 1), vec2<i32>(-1, 1), vec2<i32>(1, -1), vec2<i32>(-1, -1),
            );
            for (var i = 0; i < 4; i = i + 1) {
                step_sum = step_sum + max(0.0, log_d - log_depth_at(p + corners[i], size));
            }
        }
    }
    if (drawn) {
        color = textureLoad(main_color, p, 0).rgb;
        if (post.effects.x > 0.0) {
            // Eye-dome lighting: the mean log-depth step down to the eight adjacent pixels (the
            // nearest ones: a smooth sphere changes little from one pixel to the next, a
            // silhouette in front jumps).
            color = color * exp(-300.0 * post.effects.x * step_sum / 8.0);
        }
        if (post.effects.y > 0.0) {
            let t = clamp((d - post.depth.x) / max(post.depth.y - post.depth.x, 1e-3), 0.0, 1.0);
            color = mix(color, bg, post.effects.y * t);
        }
    }
    // An outline on the far side of every depth jump (around silhouettes, too).
    if (post.effects.z > 0.0 && side > 0.004) {
        color = color * (1.0 - 0.85 * post.effects.z);
    }
    if (post.depth.z > 0.5) {
        let a = textureLoad(accum, p, 0);
        let r = textureLoad(reveal, p, 0).r;
        if (r < 1.0) {
            let average = a.rgb / clamp(a.a, 1e-5, 5e4);
            color = average * (1.0 - r) + color * r;
        }
    }
    if (post.depth.w > 0.5) {
        // The halo and a little of the sharp emitter, saturating softly so that a crowd of
        // spikes stays a glow rather than a white block.
        let halo = textureSampleLevel(glow, linear_sampler, in.uv, 0.0).rgb;
        let sharp = textureLoad(glow_sharp, p, 0).rgb;
        let g = halo * 2.0 + sharp * 0.5;
        color = color + (vec3<f32>(1.0) - exp(-g));
    }
    return vec4<f32>(color, 1.0);
}
