// Squared norms (and the statistics pass's finite sums) across lanes, written once
// over the double traits D (from_floats widens D::width floats, exactly) and compiled
// per instruction set like the other loops. Each lane's sum gets one multiply and one add per position, in position
// order, separately rounded (never fused: the build forbids contraction), so every
// path gives the scalar loop's doubles.
#pragma once

#include <cstdint>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

// G batches at once: each lane's sum is a chain of dependent adds, so one batch's few
// vectors wait on the add latency; G batches side by side keep about eight chains in
// flight (as many as the registers hold without spilling).
template <class D, int G>
void lane_squares_n(const float* x, std::int64_t n, std::int64_t batch_stride, double* sq) {
    constexpr int per_position = kLanes / D::width;
    static_assert(per_position * D::width == kLanes, "whole vectors per position");
    typename D::V acc[G][per_position];
    for (int g = 0; g < G; ++g)
        for (int j = 0; j < per_position; ++j) acc[g][j] = D::load(sq + g * kLanes + j * D::width);
    // Unrolled, so the accumulators live in registers (a loop over them keeps them in
    // memory, and every add then waits on a store as well).
    for (std::int64_t i = 0; i < n; ++i)
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
            for (int j = 0; j < per_position; ++j) {
                const auto v = D::from_floats(x + g * batch_stride + i * kLanes + j * D::width);
                acc[g][j] = D::add(acc[g][j], D::mul(v, v));
            }
    for (int g = 0; g < G; ++g)
        for (int j = 0; j < per_position; ++j) D::store(sq + g * kLanes + j * D::width, acc[g][j]);
}

template <class D>
void lane_squares(const float* x, std::int64_t n, int batches, std::int64_t batch_stride, double* sq) {
    constexpr int together = 8 / (kLanes / D::width) > 1 ? 8 / (kLanes / D::width) : 1;
    int g = 0;
    for (; g + together <= batches; g += together)
        lane_squares_n<D, together>(x + g * batch_stride, n, batch_stride, sq + g * kLanes);
    if constexpr (together > 2)
        for (; g + 2 <= batches; g += 2) lane_squares_n<D, 2>(x + g * batch_stride, n, batch_stride, sq + g * kLanes);
    for (; g < batches; ++g) lane_squares_n<D, 1>(x + g * batch_stride, n, batch_stride, sq + g * kLanes);
}

// One value position of adjacent units: the sums live in memory (a block of units
// small enough for L1), and each gets one multiply and one add, as above. Two
// vectors per step, so loads and stores of neighbouring sums overlap.
template <class D>
void run_squares(const float* x, std::int64_t n, double* sq) {
    std::int64_t i = 0;
    for (; i + 2 * D::width <= n; i += 2 * D::width) {
        const auto v0 = D::from_floats(x + i), v1 = D::from_floats(x + i + D::width);
        D::store(sq + i, D::add(D::load(sq + i), D::mul(v0, v0)));
        D::store(sq + i + D::width, D::add(D::load(sq + i + D::width), D::mul(v1, v1)));
    }
    scalar_loops().run_squares_f32(x + i, n - i, sq + i);
}

// The squares alone, stored (short tiles add them up afterwards: unit_stats.cpp).
template <class D>
void squares(const float* x, std::int64_t n, double* sq) {
    std::int64_t i = 0;
    for (; i + 2 * D::width <= n; i += 2 * D::width) {
        const auto v0 = D::from_floats(x + i), v1 = D::from_floats(x + i + D::width);
        D::store(sq + i, D::mul(v0, v0));
        D::store(sq + i + D::width, D::mul(v1, v1));
    }
    scalar_loops().squares_f32(x + i, n - i, sq + i);
}

// The statistics pass's per-lane sums over finite values (hot_loops.hpp), chunk by
// chunk of two vectors of lanes, so the eight sums stay in registers on every path.
// The same operations in the same order as the portable loop (unit_stats.cpp):
// masked values, then separately rounded multiplies and adds.
template <class D>
void lane_finite_sums(const float* x, std::int64_t n, const double* shift, double* sq, double* d1, double* d2,
                      double* count) {
    constexpr int kVectors = 2, chunk = kVectors * D::width;
    static_assert(kLanes % chunk == 0, "whole chunks of lanes");
    const auto zero = D::zero(), one = D::set1(1.0);
    for (int first = 0; first < kLanes; first += chunk) {
        typename D::V s2[kVectors], a1[kVectors], a2[kVectors], cnt[kVectors], sh[kVectors];
        for (int j = 0; j < kVectors; ++j) {
            s2[j] = a1[j] = a2[j] = cnt[j] = zero;
            sh[j] = D::load(shift + first + j * D::width);
        }
        for (std::int64_t i = 0; i < n; ++i)
#pragma GCC unroll 2
            for (int j = 0; j < kVectors; ++j) {
                const auto raw = D::from_floats(x + i * kLanes + first + j * D::width);
                const auto finite = D::finite(raw);
                const auto d = D::select(finite, raw, zero);
                const auto e = D::select(finite, D::sub(d, sh[j]), zero);
                s2[j] = D::add(s2[j], D::mul(d, d));
                a1[j] = D::add(a1[j], e);
                a2[j] = D::add(a2[j], D::mul(e, e));
                cnt[j] = D::add(cnt[j], D::select(finite, one, zero));
            }
        for (int j = 0; j < kVectors; ++j) {
            const int at = first + j * D::width;
            D::store(sq + at, s2[j]);
            D::store(d1 + at, a1[j]);
            D::store(d2 + at, a2[j]);
            D::store(count + at, cnt[j]);
        }
    }
}

}  // namespace
}  // namespace fasttile
