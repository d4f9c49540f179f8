// Full-screen filters of the looks (`src/view/render/looks_passes.rs`), each reading one
// texture: `glow_down`, `blur_h`, `blur_v` average the glow target to a quarter of the size and
// blur it by a separable Gaussian (bloom); `fxaa` is fast approximate anti-aliasing (after
// Lottes' FXAA) on the final colour.

struct FullscreenVertexOutput {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@group(0) @binding(0) var source: texture_2d<f32>;
@group(0) @binding(1) var source_sampler: sampler;

// Bilinear, no mip levels (so that it may be read in any control flow).
fn tap(uv: vec2<f32>) -> vec4<f32> {
    return textureSampleLevel(source, source_sampler, uv, 0.0);
}

// A quarter of the size: four bilinear taps average a 4x4 block.
@fragment
fn glow_down(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {
    let texel = 1.0 / vec2<f32>(textureDimensions(source));
    var sum = vec4<f32>(0.0);
    for (var i = 0; i < 4; i = i + 1) {
        let o = vec2<f32>(f32(i & 1) * 2.0 - 1.0, f32(i >> 1u) * 2.0 - 1.0);
        sum = sum + tap(in.uv + o * texel);
    }
    return sum * 0.25;
}

fn blur(uv: vec2<f32>, step: vec2<f32>) -> vec4<f32> {
    // Gaussian, sigma 3.54 texels, over 21 texels (the last weighs 2 % of the centre) in 11
    // bilinear taps: each tap between two texels, where its filtering weighs them as the
    // Gaussian does.
    var sum = tap(uv) * 0.1132;
    let offsets = array<f32, 5>(1.4700, 3.4305, 5.3917, 7.3543, 9.3186);
    let weights = array<f32, 5>(0.2052, 0.1386, 0.0684, 0.0247, 0.0065);
    for (var i = 0; i < 5; i = i + 1) {
        let o = step * offsets[i];
        sum = sum + (tap(uv + o) + tap(uv - o)) * weights[i];
    }
    return sum;
}

@fragment
fn blur_h(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {
    return blur(in.uv, vec2<f32>(1.0 / f32(textureDimensions(source).x), 0.0));
}

@fragment
fn blur_v(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {
    return blur(in.uv, vec2<f32>(0.0, 1.0 / f32(textureDimensions(source).y)));
}

// One texel, the edge ones repeated beyond the edge (as the clamping sampler does).
fn load_at(p: vec2<i32>, size: vec2<i32>) -> vec3<f32> {
    return textureLoad(source, clamp(p, vec2<i32>(0), size - vec2<i32>(1)), 0).rgb;
}

fn luma(c: vec3<f32>) -> f32 {
    return sqrt(dot(c, vec3<f32>(0.299, 0.587, 0.114)));
}

// FXAA: the edge direction from the luma of the four diagonal neighbours, then two or four
// samples along it, the wider kept unless it leaves the local luma range.
@fragment
fn fxaa(in: FullscreenVertexOutput) -> @location(0) vec4<f32> {
    let size = vec2<i32>(textureDimensions(source));
    let texel = 1.0 / vec2<f32>(size);
    let uv = in.uv;
    // The pixel and its diagonal neighbours lie on texel centres: loads, not filtered taps
    // (cheaper on a software rasteriser, the same values).
    let p = vec2<i32>(in.position.xy);
    let rgb_m = textureLoad(source, p, 0).rgb;
    let l_nw = luma(load_at(p + vec2<i32>(-1, -1), size));
    let l_ne = luma(load_at(p + vec2<i32>(1, -1), size));
    let l_sw = luma(load_at(p + vec2<i32>(-1, 1), size));
    let l_se = luma(load_at(p + vec2<i32>(1, 1), size));
    let l_m = luma(rgb_m);
    let l_min = min(l_m, min(min(l_nw, l_ne), min(l_sw, l_se)));
    let l_max = max(l_m, max(max(l_nw, l_ne), max(l_sw, l_se)));
    if (l_max - l_min < max(0.0312, l_max * 0.125)) {
        return vec4<f32>(rgb_m, 1.0);
    }
    var dir = vec2<f32>(-((l_nw + l_ne) - (l_sw + l_se)), (l_nw + l_sw) - (l_ne + l_se));
    let reduce = max((l_nw + l_ne + l_sw + l_se) * 0.25 * 0.125, 1.0 / 128.0);
    let scale = 1.0 / (min(abs(dir.x), abs(dir.y)) + reduce);
    dir = clamp(dir * scale, vec2<f32>(-8.0), vec2<f32>(8.0)) * texel;
    let a = 0.5 * (tap(uv + dir * (1.0 / 3.0 - 0.5)).rgb
        + tap(uv + dir * (2.0 / 3.0 - 0.5)).rgb);
    let b = a * 0.5 + 0.25 * (tap(uv - dir * 0.5).rgb
        + tap(uv + dir * 0.5).rgb);
    let l_b = luma(b);
    if (l_b < l_min || l_b > l_max) {
        return vec4<f32>(a, 1.0);
    }
    return vec4<f32>(b, 1.0);
}
