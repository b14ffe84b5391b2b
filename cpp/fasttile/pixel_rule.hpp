// The bit-exact pixel rule. Every tile is mapped with
//     q = clamp(floor((clamp(x, lo, hi) * a - b) * s + c), 0, 255)
// computed in T (float, or double for float64 input) with no FMA contraction.
// For ordinary ranges a = 1, b = lo, c = 0.5, s = T(255 / (hi - lo)) with the
// division in double: exactly the rule of docs/design.md (section 2). Two
// power-of-two prescales keep extreme tiles a gradient instead of a flat image:
//  * hi - lo overflows T (a tile spanning -3e38..3e38): a = 1/2, so x*a - b cannot
//    overflow;
//  * hi - lo is so small that 255 / (hi - lo) would overflow T: a = 2^P, which is
//    exact because such tiles only hold tiny values.
// Multiplying by a power of two is exact in these regimes, so the rule stays the
// published one wherever it was representable. The NumPy backend mirrors this file.
#pragma once

#include <cmath>
#include <limits>

namespace fasttile {

template <class T>
struct Affine {
    T lo, hi;  // clamp bounds
    T a, b, s, c;
};

template <class T>
struct PrescaleLimits;
template <>
struct PrescaleLimits<float> {
    static constexpr float tiny = 0x1p-100f;  // ranges below this get prescaled
    static constexpr float scale = 0x1p100f;
};
template <>
struct PrescaleLimits<double> {
    static constexpr double tiny = 0x1p-900;
    static constexpr double scale = 0x1p1000;
};

// A constant tile (or one without finite values) is mid-gray 128.
template <class T>
inline Affine<T> constant_affine(T value) {
    return Affine<T>{value, value, T(0), T(0), T(0), T(128)};
}

template <class T>
inline Affine<T> range_affine(T lo, T hi) {
    if (!(hi > lo)) return constant_affine<T>(std::isfinite(lo) ? lo : T(0));
    const T spread = hi - lo;
    T a = T(1);
    if (std::isinf(spread))
        a = T(0.5);
    else if (spread < PrescaleLimits<T>::tiny)
        a = PrescaleLimits<T>::scale;
    const T lo_scaled = lo * a;
    const T hi_scaled = hi * a;
    const double denom = static_cast<double>(hi_scaled) - static_cast<double>(lo_scaled);
    const T s = static_cast<T>(255.0 / denom);
    return Affine<T>{lo, hi, a, lo_scaled, s, T(0.5)};
}

// Symmetric modes: zero maps to 128, +-amax to 255 / 0.
template <class T>
inline Affine<T> symmetric_affine(T amax) {
    if (!(amax > T(0))) return constant_affine<T>(T(0));
    const T a = amax < PrescaleLimits<T>::tiny ? PrescaleLimits<T>::scale : T(1);
    const T s = static_cast<T>(127.5 / static_cast<double>(amax * a));
    return Affine<T>{-amax, amax, a, T(0), s, T(128)};
}

template <class T>
inline unsigned char quantize_one(T x, const Affine<T>& p) {
    x = x < p.lo ? p.lo : x;
    x = x > p.hi ? p.hi : x;
    T v = (x * p.a - p.b) * p.s + p.c;
    // Clamping before truncation equals floor-then-clamp, and sends NaN to 0
    // (non-finite pixels are overwritten by the caller anyway).
    v = v > T(0) ? v : T(0);
    v = v < T(255) ? v : T(255);
    return static_cast<unsigned char>(static_cast<int>(v));
}

}  // namespace fasttile
