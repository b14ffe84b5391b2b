// Quantize (per tile and across lanes) and half-precision widening, written once over
// the vector-traits type W of minmax_loops.hpp and compiled per instruction set inside
// each target region, with internal linkage (the same arrangement as the min/max loops).
//
// On top of the min/max needs, W provides: mul, add; `pack`, the number of vectors
// store_levels(q, v) truncates and narrows (saturating) into pack * width bytes; and
// for float, has_f16 / from_f16(src) and from_bf16(src) (width values from 2-byte bits).
// Tails go to the scalar table, which computes the same bytes.
#pragma once

#include <cstdint>

#include "hot_loops.hpp"
#include "minmax_loops.hpp"

namespace fasttile {
namespace {

// One affine map (or `width` lanes' maps) in vector registers.
template <class W, class T>
struct Params {
    typename W::V lo, hi, a, b, s, c;

    Params() = default;
    explicit Params(const Affine<T>& p)
        : lo(W::set1(p.lo)), hi(W::set1(p.hi)), a(W::set1(p.a)), b(W::set1(p.b)), s(W::set1(p.s)), c(W::set1(p.c)) {}

    // Lanes first .. first + width of an across-tile batch.
    Params(const LaneAffines<T>& p, int first)
        : lo(W::load(p.lo + first)), hi(W::load(p.hi + first)), a(W::load(p.a + first)), b(W::load(p.b + first)),
          s(W::load(p.s + first)), c(W::load(p.c + first)) {}
};

// The pixel rule (pixel_rule.hpp) on a vector, before truncation: separate multiply
// and add (never fused). Without Clamp, for values known finite and within the tile's
// own range, where both clamps are no-ops.
template <class W, class T, bool Clamp>
__attribute__((always_inline)) inline typename W::V level(typename W::V v, const Params<W, T>& k) {
    if constexpr (Clamp) v = W::min(W::max(v, k.lo), k.hi);
    v = W::add(W::mul(W::sub(W::mul(v, k.a), k.b), k.s), k.c);
    if constexpr (Clamp) v = W::min(W::max(v, W::zero()), W::set1(T(255)));
    return v;
}

template <class W, class T>
void quantize_tail(const T* x, std::int64_t n, const Affine<T>& p, unsigned char* q) {
    if constexpr (sizeof(T) == 4)
        scalar_loops().quantize_f32(x, n, p, q);
    else
        scalar_loops().quantize_f64(x, n, p, q);
}

// Ahead: the values are read here for the first time (a tile in place under a scanned
// map, Normalization::scanned, with no range pass before to bring it into cache), so
// lines kReadAheadBytes on are asked for, as the range pass does (L, 1/8 scale: 5.1 ->
// 3.5 ms with, against 4.4 ms ranged first).
template <class W, class T, bool Clamp, bool Ahead = false>
void quantize(const T* x, std::int64_t n, const Affine<T>& p, unsigned char* q) {
    constexpr int step = W::pack * W::width;
    const Params<W, T> k(p);
    std::int64_t i = 0;
    const auto one_step = [&](std::int64_t at) {
        typename W::V v[W::pack];
#pragma GCC unroll 8
        for (int j = 0; j < W::pack; ++j) v[j] = level<W, T, Clamp>(W::load(x + at + j * W::width), k);
        W::store_levels(q + at, v);
    };
    constexpr int kStepBytes = step * static_cast<int>(sizeof(T));
    for (; i + step <= n; i += step) {
        if constexpr (Ahead && kStepBytes >= 64)
            for (int b = 0; b < kStepBytes; b += 64) prefetch_ahead(reinterpret_cast<const char*>(x + i) + b);
        one_step(i);
    }
    if (i < n && n >= step)
        one_step(n - step);  // the last step once more, overlapping: the same levels, no scalar tail
    else
        quantize_tail<W, T>(x + i, n - i, p, q + i);
}

// Across-tile form: position i holds kLanes tiles (kLanes / width vectors), each with
// its own map; one store covers pack / (kLanes / width) positions. Without Clamp for
// batches whose values are all finite and inside their lanes' clamp bounds.
template <class W, class T, bool Clamp>
void quantize_lanes(const T* x, std::int64_t n, const LaneAffines<T>& p, unsigned char* q) {
    constexpr int per_position = kLanes / W::width;
    static_assert(W::pack % per_position == 0, "a store must cover whole positions");
    constexpr std::int64_t positions = W::pack / per_position;
    Params<W, T> k[per_position];
    for (int j = 0; j < per_position; ++j) k[j] = Params<W, T>(p, j * W::width);
    const auto one_step = [&](std::int64_t at) {
        typename W::V v[W::pack];
        // Unrolled: as a loop, the levels and each lane's parameters live in memory.
#pragma GCC unroll 8
        for (int j = 0; j < W::pack; ++j)
            v[j] = level<W, T, Clamp>(W::load(x + at * kLanes + j * W::width), k[j % per_position]);
        W::store_levels(q + at * kLanes, v);
    };
    std::int64_t i = 0;
    for (; i + positions <= n; i += positions) one_step(i);
    // The last step once more, overlapping: the same levels, no scalar tail. On AVX2 a
    // step is two positions, so every 3x3 tile's ninth went to the scalar table, which
    // took 23-28% of T's and H's render on one thread.
    if (i < n && n >= positions) {
        one_step(n - positions);
        return;
    }
    if constexpr (sizeof(T) == 4) {
        if (i < n) scalar_loops().quantize_lanes_f32(x + i * kLanes, n - i, p, q + i * kLanes);
    } else {
        if (i < n) scalar_loops().quantize_lanes_f64(x + i * kLanes, n - i, p, q + i * kLanes);
    }
}

// The lane maps in W's vectors (W::width floats): lane_affines.hpp's forms, inlined
// here so that they compile inside the instruction set's target region.
template <class W>
void lane_range_affines(const float* lo, const float* hi, LaneAffines<float>* p) {
    range_affines<float, W::width * static_cast<int>(sizeof(float))>(lo, hi, p);
}

template <class W>
void lane_symmetric_affines(const float* lo, const float* hi, LaneAffines<float>* p) {
    symmetric_affines<float, W::width * static_cast<int>(sizeof(float))>(lo, hi, p);
}

// A lane batch under tile_range whose values are all finite, in one call: each lane's
// range (minmax_lanes' all-finite form), its map (range_affines) and the levels of its n
// positions (quantize_lanes without clamps), the same code as the three loops one
// after another, so the same bytes. For 3x3 tiles the calls and the round trips of
// ranges and maps through memory cost as much as the work. Returns false (nothing
// usable written) when a value is not finite.
template <class W>
bool range_lanes(const float* x, std::int64_t n, unsigned char* q) {
    alignas(64) float lo[kLanes], hi[kLanes];
    if (!minmax_lanes_all_finite<W, float>(x, n, lo, hi)) return false;
    LaneAffines<float> maps;
    lane_range_affines<W>(lo, hi, &maps);
    quantize_lanes<W, float, false>(x, n, maps, q);
    return true;
}

// The same for a map fixed for every lane (a global or given range): the levels of a
// batch whose values are all finite and inside [p.lo, p.hi], as quantize_lanes_inrange
// gives them with p in every lane (the same element-wise rule, so the same bytes).
template <class W>
bool fixed_lanes(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    alignas(64) float lo[kLanes], hi[kLanes];
    if (!minmax_lanes_all_finite<W, float>(x, n, lo, hi)) return false;
    bool inside = true;
    for (int k = 0; k < kLanes; ++k) inside &= p.lo <= lo[k] && hi[k] <= p.hi;
    if (!inside) return false;
    quantize<W, float, false>(x, n * kLanes, p, q);
    return true;
}

// The widening is often the first read of a tile's bytes (a bfloat16 bank's rows): it
// asks for the line kReadAheadBytes on (hot_loops.hpp), once per line. In the lane
// gathers of cols and hwio banks that line is not the next read: a bfloat16 cols bank
// took about 5% longer with it, a bfloat16 rows bank 35% less.
constexpr std::int64_t kHalvesPerLine = 32;

template <class W>
void widen_f16(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    if constexpr (W::has_f16)
        for (; i + W::width <= n; i += W::width) {
            if (i % kHalvesPerLine == 0) prefetch_ahead(src + 2 * i);
            W::store(dst + i, W::from_f16(src + 2 * i));
        }
    scalar_loops().widen_f16(src + 2 * i, n - i, dst + i);
}

template <class W>
void widen_bf16(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + W::width <= n; i += W::width) {
        if (i % kHalvesPerLine == 0) prefetch_ahead(src + 2 * i);
        W::store(dst + i, W::from_bf16(src + 2 * i));
    }
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

}  // namespace
}  // namespace fasttile
