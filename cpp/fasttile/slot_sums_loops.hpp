// The per-unit passes' sums in slot order (slot_sums.hpp), written once over the
// double traits D (from_floats widens D::width floats, exactly) and compiled per
// instruction set like the other loops. Each term gets one multiply and one add,
// separately rounded (never fused: the build forbids contraction), in the portable
// loops' order, so every path gives their doubles.
#pragma once

#include <algorithm>
#include <cstdint>

#include "hot_loops.hpp"
#include "slot_sums.hpp"

namespace fasttile {
namespace {

// sq[i] += x[i] * x[i] for i < n: one value position of adjacent units added to their
// running sums, or one period of a tile's slots. Two vectors per step, so loads and
// stores of neighbouring sums overlap.
template <class D>
void run_squares(const float* x, std::int64_t n, double* sq) {
    std::int64_t i = 0;
    for (; i + 2 * D::width <= n; i += 2 * D::width) {
        const auto v0 = D::from_floats(x + i), v1 = D::from_floats(x + i + D::width);
        D::store(sq + i, D::add(D::load(sq + i), D::mul(v0, v0)));
        D::store(sq + i + D::width, D::add(D::load(sq + i + D::width), D::mul(v1, v1)));
    }
    for (; i < n; ++i) {
        const double d = static_cast<double>(x[i]);
        sq[i] += d * d;
    }
}

// acc[i % period] += x[i] * x[i]: one tile's slots (period kSlots) in memory, in L1;
// a slot's next term is a whole period later, so its adds never wait on each other.
template <class D>
void slot_squares(const float* x, std::int64_t n, std::int64_t period, double* acc) {
    for (std::int64_t at = 0; at < n; at += period) run_squares<D>(x + at, std::min(period, n - at), acc);
}

// The squares alone, stored (short tiles fold them afterwards: unit_stats.cpp).
template <class D>
void squares(const float* x, std::int64_t n, double* sq) {
    std::int64_t i = 0;
    for (; i + 2 * D::width <= n; i += 2 * D::width) {
        const auto v0 = D::from_floats(x + i), v1 = D::from_floats(x + i + D::width);
        D::store(sq + i, D::mul(v0, v0));
        D::store(sq + i + D::width, D::mul(v1, v1));
    }
    for (; i < n; ++i) {
        const double d = static_cast<double>(x[i]);
        sq[i] = d * d;
    }
}

// Squares across lanes (x[g * batch_stride + pos * kLanes + lane]), slot by slot: each
// slot's squares from 0.0 in position order, then added to the lane's sum in slot
// order; sq[g * kLanes + k] holds lane k of batch g's sum (0.0 from the caller). A
// slot's positions are read in its own vectors, so a long tile's slot sums never wait
// on each other. A tile of at most 64 values adds left to right, one chain of
// dependent adds per vector: G batches side by side keep about eight chains in flight
// (as many as the registers hold without spilling).
template <class D, int G>
void lane_squares_n(const float* x, std::int64_t n, std::int64_t batch_stride, double* sq) {
    constexpr int per_position = kLanes / D::width;
    static_assert(per_position * D::width == kLanes, "whole vectors per position");
    typename D::V tile[G][per_position];
    for (int g = 0; g < G; ++g)
        for (int j = 0; j < per_position; ++j) tile[g][j] = D::load(sq + g * kLanes + j * D::width);
    // Unrolled, so the sums live in registers (a loop over them keeps them in memory,
    // and every add then waits on a store as well).
    for (std::int64_t slot = 0; slot < filled_slots(n); ++slot) {
        typename D::V acc[G][per_position];
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
            for (int j = 0; j < per_position; ++j) acc[g][j] = D::zero();
        for (std::int64_t i = slot; i < n; i += kSlots)
#pragma GCC unroll 8
            for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
                for (int j = 0; j < per_position; ++j) {
                    const auto v = D::from_floats(x + g * batch_stride + i * kLanes + j * D::width);
                    acc[g][j] = D::add(acc[g][j], D::mul(v, v));
                }
#pragma GCC unroll 8
        for (int g = 0; g < G; ++g)
#pragma GCC unroll 8
            for (int j = 0; j < per_position; ++j) tile[g][j] = D::add(tile[g][j], acc[g][j]);
    }
    for (int g = 0; g < G; ++g)
        for (int j = 0; j < per_position; ++j) D::store(sq + g * kLanes + j * D::width, tile[g][j]);
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

// The statistics pass's per-lane sums over finite values (hot_loops.hpp), chunk by
// chunk of two vectors of lanes, slot by slot as lane_squares: the running sums stay
// in registers on AVX-512 (32 of them); SSE2 and AVX2 spill some. The same operations in the same order as the portable loop
// (unit_stats.cpp): masked values, then separately rounded multiplies and adds.
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
        for (std::int64_t slot = 0; slot < filled_slots(n); ++slot) {
            typename D::V t2[kVectors], b1[kVectors], b2[kVectors], tc[kVectors];
            for (int j = 0; j < kVectors; ++j) t2[j] = b1[j] = b2[j] = tc[j] = zero;
            for (std::int64_t i = slot; i < n; i += kSlots)
#pragma GCC unroll 2
                for (int j = 0; j < kVectors; ++j) {
                    const auto raw = D::from_floats(x + i * kLanes + first + j * D::width);
                    const auto finite = D::finite(raw);
                    const auto d = D::select(finite, raw, zero);
                    const auto e = D::select(finite, D::sub(d, sh[j]), zero);
                    t2[j] = D::add(t2[j], D::mul(d, d));
                    b1[j] = D::add(b1[j], e);
                    b2[j] = D::add(b2[j], D::mul(e, e));
                    tc[j] = D::add(tc[j], D::select(finite, one, zero));
                }
#pragma GCC unroll 2
            for (int j = 0; j < kVectors; ++j) {
                s2[j] = D::add(s2[j], t2[j]);
                a1[j] = D::add(a1[j], b1[j]);
                a2[j] = D::add(a2[j], b2[j]);
                cnt[j] = D::add(cnt[j], tc[j]);
            }
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
