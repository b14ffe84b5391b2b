// The affine maps of a lane batch (docs/design.md, section 2), one array per field:
// quantization loads a field for a vector of lanes at once, and the maps themselves
// are computed for all lanes together. Each function here is the lane-parallel form
// of one in pixel_rule.hpp, written on vectors without branches (every case is
// computed and the right one selected); the self-test holds the two forms equal
// field by field on ordinary, extreme and empty ranges.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lanes.hpp"
#include "pixel_rule.hpp"

namespace fasttile {

template <class T>
struct LaneAffines {
    alignas(64) T lo[kLanes];
    alignas(64) T hi[kLanes];
    alignas(64) T a[kLanes];
    alignas(64) T b[kLanes];
    alignas(64) T s[kLanes];
    alignas(64) T c[kLanes];

    void set(int k, const Affine<T>& p) { lo[k] = p.lo, hi[k] = p.hi, a[k] = p.a, b[k] = p.b, s[k] = p.s, c[k] = p.c; }
    Affine<T> get(int k) const { return Affine<T>{lo[k], hi[k], a[k], b[k], s[k], c[k]}; }
};

// A vector of Bytes bytes of T (GCC/Clang vector extensions) and the vector of as
// many doubles. 16 bytes are the baseline SSE2 or NEON registers, no target region
// needed; the wider forms are inlined into each instruction set's loop table
// (quantize_loops.hpp), where they compile to its registers. Every form does the same
// element-wise operations, so all give the same maps. Vectors move through memcpy and
// references only: passing a wider vector by value outside its target region would
// change the calling convention.
template <class T, int Bytes = 16>
struct Pack {
    static constexpr int n = Bytes / static_cast<int>(sizeof(T));
    typedef T V __attribute__((vector_size(Bytes)));
    typedef double D __attribute__((vector_size(Bytes / sizeof(T) * sizeof(double))));
};

// range_affine for every lane. A lane is "ordinary" when hi > lo; the others are
// constant tiles (mid-gray, clamped at lo when lo is finite).
template <class T, int Bytes = 16>
__attribute__((always_inline)) inline void range_affines(const T* lo, const T* hi, LaneAffines<T>* p) {
    using P = Pack<T, Bytes>;
    using V = typename P::V;
    const auto store = [](T* to, const V& v) { std::memcpy(to, &v, sizeof v); };
    const V inf = V{} + std::numeric_limits<T>::infinity(), zero = V{};
    for (int k = 0; k < kLanes; k += P::n) {
        V l, h;
        std::memcpy(&l, lo + k, sizeof l);
        std::memcpy(&h, hi + k, sizeof h);
        const V spread = h - l;
        const auto ordinary = h > l;
        const V a = (spread == inf) ? V{} + T(0.5)
                                    : (spread < V{} + PrescaleLimits<T>::tiny ? V{} + PrescaleLimits<T>::scale
                                                                              : V{} + T(1));
        const V lo_scaled = l * a, hi_scaled = h * a;
        const auto denom = __builtin_convertvector(hi_scaled, typename P::D) -
                           __builtin_convertvector(lo_scaled, typename P::D);
        const V s = __builtin_convertvector(255.0 / denom, V);
        const V value = (l - l == zero) ? l : zero;  // finite lo, else 0
        store(p->lo + k, ordinary ? l : value);
        store(p->hi + k, ordinary ? h : value);
        store(p->a + k, ordinary ? a : zero);
        store(p->b + k, ordinary ? lo_scaled : zero);
        store(p->s + k, ordinary ? s : zero);
        store(p->c + k, ordinary ? V{} + T(0.5) : V{} + T(128));
    }
}

// The tile_symmetric map (symmetric_affine of the larger magnitude) for every lane;
// an empty range (lo > hi) or an all-zero one is constant.
template <class T, int Bytes = 16>
__attribute__((always_inline)) inline void symmetric_affines(const T* lo, const T* hi, LaneAffines<T>* p) {
    using P = Pack<T, Bytes>;
    using V = typename P::V;
    const auto store = [](T* to, const V& v) { std::memcpy(to, &v, sizeof v); };
    const V zero = V{}, one = V{} + T(1);
    for (int k = 0; k < kLanes; k += P::n) {
        V l, h;
        std::memcpy(&l, lo + k, sizeof l);
        std::memcpy(&h, hi + k, sizeof h);
        const V mag_lo = l < zero ? -l : l, mag_hi = h < zero ? -h : h;
        const V amax_seen = mag_lo < mag_hi ? mag_hi : mag_lo;
        const auto ordinary = (l <= h) & (amax_seen > zero);
        const V amax = ordinary ? amax_seen : one;
        const V a = amax < V{} + PrescaleLimits<T>::tiny ? V{} + PrescaleLimits<T>::scale : one;
        const V s = __builtin_convertvector(127.5 / __builtin_convertvector(amax * a, typename P::D), V);
        store(p->lo + k, ordinary ? -amax : zero);
        store(p->hi + k, ordinary ? amax : zero);
        store(p->a + k, ordinary ? a : zero);
        store(p->b + k, zero);
        store(p->s + k, ordinary ? s : zero);
        store(p->c + k, V{} + T(128));
    }
}

}  // namespace fasttile
