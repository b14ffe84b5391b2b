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

// A 16-byte vector of T (GCC/Clang vector extensions: the baseline SSE2 or NEON
// registers, no target region needed) and the vector of as many doubles.
template <class T>
struct Pack {
    static constexpr int n = 16 / static_cast<int>(sizeof(T));
    typedef T V __attribute__((vector_size(16)));
    typedef double D __attribute__((vector_size(16 / sizeof(T) * sizeof(double))));
    static V load(const T* p) {
        V v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }
    static void store(T* p, V v) { std::memcpy(p, &v, sizeof v); }
    static V splat(T x) { return V{} + x; }
};

// range_affine for every lane. A lane is "ordinary" when hi > lo; the others are
// constant tiles (mid-gray, clamped at lo when lo is finite).
template <class T>
void range_affines(const T* lo, const T* hi, LaneAffines<T>* p) {
    using P = Pack<T>;
    using V = typename P::V;
    const V inf = P::splat(std::numeric_limits<T>::infinity()), zero = P::splat(T(0));
    for (int k = 0; k < kLanes; k += P::n) {
        const V l = P::load(lo + k), h = P::load(hi + k), spread = h - l;
        const auto ordinary = h > l;
        const V a = (spread == inf) ? P::splat(T(0.5))
                                    : (spread < P::splat(PrescaleLimits<T>::tiny) ? P::splat(PrescaleLimits<T>::scale)
                                                                                  : P::splat(T(1)));
        const V lo_scaled = l * a, hi_scaled = h * a;
        const auto denom = __builtin_convertvector(hi_scaled, typename P::D) -
                           __builtin_convertvector(lo_scaled, typename P::D);
        const V s = __builtin_convertvector(255.0 / denom, V);
        const V value = (l - l == zero) ? l : zero;  // finite lo, else 0
        P::store(p->lo + k, ordinary ? l : value);
        P::store(p->hi + k, ordinary ? h : value);
        P::store(p->a + k, ordinary ? a : zero);
        P::store(p->b + k, ordinary ? lo_scaled : zero);
        P::store(p->s + k, ordinary ? s : zero);
        P::store(p->c + k, ordinary ? P::splat(T(0.5)) : P::splat(T(128)));
    }
}

// The tile_symmetric map (symmetric_affine of the larger magnitude) for every lane;
// an empty range (lo > hi) or an all-zero one is constant.
template <class T>
void symmetric_affines(const T* lo, const T* hi, LaneAffines<T>* p) {
    using P = Pack<T>;
    using V = typename P::V;
    const V zero = P::splat(T(0)), one = P::splat(T(1));
    for (int k = 0; k < kLanes; k += P::n) {
        const V l = P::load(lo + k), h = P::load(hi + k);
        const V mag_lo = l < zero ? -l : l, mag_hi = h < zero ? -h : h;
        const V amax_seen = mag_lo < mag_hi ? mag_hi : mag_lo;
        const auto ordinary = (l <= h) & (amax_seen > zero);
        const V amax = ordinary ? amax_seen : one;
        const V a = amax < P::splat(PrescaleLimits<T>::tiny) ? P::splat(PrescaleLimits<T>::scale) : one;
        const V s = __builtin_convertvector(127.5 / __builtin_convertvector(amax * a, typename P::D), V);
        P::store(p->lo + k, ordinary ? -amax : zero);
        P::store(p->hi + k, ordinary ? amax : zero);
        P::store(p->a + k, ordinary ? a : zero);
        P::store(p->b + k, zero);
        P::store(p->s + k, ordinary ? s : zero);
        P::store(p->c + k, P::splat(T(128)));
    }
}

}  // namespace fasttile
