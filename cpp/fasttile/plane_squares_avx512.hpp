// A tile of RGB filters stored as three planes (an oihw bank's first layer), its
// squares dealt into the 64 slots of the norm order (slot_sums.hpp) without first
// interleaving it into pixels: sixteen values of position order at a time are picked
// from the three planes by one two-table permute, widened and added into the slots,
// which stay in registers. Value i of position order is plane i % 3 at pixel i / 3, so
// the sixteen values from i0 come from pixels i0 / 3 .. i0 / 3 + 5 of each plane (an
// 8-float window each: red and green in one table, blue in the other), in one of
// three patterns (i0 % 3). The same adds in the same order as slot_squares on the
// interleaved tile, so the same doubles. Included inside the AVX-512 target region.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "slot_sums.hpp"

namespace fasttile {
namespace {

// Permute indices: for i0 % 3 == phase, value u of the sixteen is plane c = (phase +
// u) % 3 at window offset (phase + u) / 3; red is table entries 0-7, green 8-15,
// blue 16-23 (the second table).
struct PlanePick {
    alignas(64) std::int32_t index[3][16];
    constexpr PlanePick() : index() {
        for (int phase = 0; phase < 3; ++phase)
            for (int u = 0; u < 16; ++u) index[phase][u] = 8 * ((phase + u) % 3) + (phase + u) / 3;
    }
};

// The sixteen values of position order from value 3 * pixel + phase (`index` that
// phase's), their squares added into slots lo and hi (eight each).
__attribute__((always_inline)) inline void add_sixteen(const float* red, const float* green, const float* blue,
                                                       std::int64_t pixel, const __m512i& index, __m512d& lo,
                                                       __m512d& hi) {
    const __m512 red_green =
        _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(red + pixel))),
                                            _mm256_castps_pd(_mm256_loadu_ps(green + pixel)), 1));
    const __m512 blues = _mm512_castps256_ps512(_mm256_loadu_ps(blue + pixel));
    const __m512 values = _mm512_permutex2var_ps(red_green, index, blues);
    const __m512d low = _mm512_cvtps_pd(_mm512_castps512_ps256(values));
    const __m512d high = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(values), 1)));
    lo = _mm512_add_pd(lo, _mm512_mul_pd(low, low));
    hi = _mm512_add_pd(hi, _mm512_mul_pd(high, high));
}

// Period P (0, 1, 2) of a block of three periods, 64 pixels a plane, from `pixel`:
// its vector v starts at value 64 P + 16 v, pixel (64 P + 16 v) / 3, phase (P + v) % 3
// (64 and 16 are 1 mod 3), all known here, so no division is left in the loop.
template <int P>
__attribute__((always_inline)) inline void add_period(const float* red, const float* green, const float* blue,
                                                      std::int64_t pixel, const __m512i index[3], __m512d slot[8]) {
    for (int v = 0; v < 4; ++v)
        add_sixteen(red, green, blue, pixel + (64 * P + 16 * v) / 3, index[(P + v) % 3], slot[2 * v], slot[2 * v + 1]);
}

// acc[i % 64] += x[i] * x[i] in double for i < 3 * pixels, in increasing i, where
// x[3 * j + c] = planes[c][j] (acc: 64 doubles). Blocks of three periods (64 pixels)
// while every window lies inside the planes (the last reads pixels 64 b + 58 .. + 65),
// then single periods (their phases found by division), then one value at a time.
inline void plane_slot_squares(const float* const* planes, std::int64_t pixels, double* acc) {
    static_assert(kSlots == 64, "a period is four vectors of sixteen values");
    static constexpr PlanePick pick;
    const float *red = planes[0], *green = planes[1], *blue = planes[2];
    __m512i index[3];
    for (int phase = 0; phase < 3; ++phase) index[phase] = _mm512_load_si512(pick.index[phase]);
    __m512d slot[8];
    for (int k = 0; k < 8; ++k) slot[k] = _mm512_loadu_pd(acc + 8 * k);
    std::int64_t pixel = 0;
    for (; pixel + 66 <= pixels; pixel += 64) {
        add_period<0>(red, green, blue, pixel, index, slot);
        add_period<1>(red, green, blue, pixel, index, slot);
        add_period<2>(red, green, blue, pixel, index, slot);
    }
    std::int64_t at = 3 * pixel;  // the first value not yet added
    for (; at + kSlots <= 3 * pixels && (at + 48) / 3 + 8 <= pixels; at += kSlots)
        for (int v = 0; v < 4; ++v) {
            const std::int64_t first = at + 16 * v;
            add_sixteen(red, green, blue, first / 3, index[first % 3], slot[2 * v], slot[2 * v + 1]);
        }
    for (int k = 0; k < 8; ++k) _mm512_storeu_pd(acc + 8 * k, slot[k]);
    for (; at < 3 * pixels; ++at) {  // a bank may be misaligned: the value copied, not read as a float
        float value;
        std::memcpy(&value, planes[at % 3] + at / 3, sizeof value);
        const double d = static_cast<double>(value);
        acc[at % kSlots] += d * d;
    }
}

}  // namespace
}  // namespace fasttile
