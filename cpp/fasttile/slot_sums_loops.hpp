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
// The whole periods of kSlots values of slot_squares, the slots held in registers
// (eight AVX-512 vectors): through memory, each period's adds waited on the last
// period's stores (a tile of 3072 float32 values in L1: 33 against 12.6 us for 100
// tiles). The same adds in the same order. Returns the values consumed.
template <class D>
std::int64_t whole_periods_in_registers(const float* x, std::int64_t n, double* acc) {
    constexpr int vectors = kSlots / D::width;
    static_assert(vectors * D::width == kSlots, "whole vectors per period");
    typename D::V slot[vectors];
#pragma GCC unroll 32
    for (int j = 0; j < vectors; ++j) slot[j] = D::load(acc + j * D::width);
    std::int64_t at = 0;
    for (; at + kSlots <= n; at += kSlots)
#pragma GCC unroll 32
        for (int j = 0; j < vectors; ++j) {
            const auto v = D::from_floats(x + at + j * D::width);
            slot[j] = D::add(slot[j], D::mul(v, v));
        }
#pragma GCC unroll 32
    for (int j = 0; j < vectors; ++j) D::store(acc + j * D::width, slot[j]);
    return at;
}

template <class D>
void slot_squares(const float* x, std::int64_t n, std::int64_t period, double* acc) {
    std::int64_t at = 0;
    if (period == kSlots) at = whole_periods_in_registers<D>(x, n, acc);
    for (; at < n; at += period) run_squares<D>(x + at, std::min(period, n - at), acc);
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

// The squared norms of D::block units of short tiles in position order (each unit
// `values` floats from rows[r]: its tiles of `positions` values back to back), in
// the order of unit_stats.cpp's ShortTileNorms: each tile's squares added left to
// right (0.0 plus the first is the first), the tiles' sums to the unit's in inner
// order. Blocks of D::block values of every unit are transposed in registers, so a
// vector holds one value of D::width units and the sums stay in registers. T's 512
// units of 256 3x3 tiles, one thread (AVX-512): 317 against 80 us for squares stored
// and added as row sums, scalar chains side by side.
template <class D>
void short_strip_norms(const float* const* rows, std::int64_t values, std::int64_t positions, double* norms) {
    constexpr int block = D::block, groups = block / D::width;
    using V = typename D::V;
    V unit[groups], tile[groups], columns[block * groups];
#pragma GCC unroll 4
    for (int g = 0; g < groups; ++g) unit[g] = tile[g] = D::zero();
    std::int64_t p = 0;
    auto take = [&](int count) {
#pragma GCC unroll 8
        for (int k = 0; k < count; ++k) {
#pragma GCC unroll 4
            for (int g = 0; g < groups; ++g) {
                const V square = D::mul(columns[k * groups + g], columns[k * groups + g]);
                tile[g] = p == 0 ? square : D::add(tile[g], square);
            }
            if (++p == positions) {
                p = 0;
#pragma GCC unroll 4
                for (int g = 0; g < groups; ++g) unit[g] = D::add(unit[g], tile[g]);
            }
        }
    };
    std::int64_t at = 0;
    for (; at + block <= values; at += block) {
        D::widen_columns(rows, at, columns);
        take(block);
    }
    if (at < values) {  // the last values of each unit, through a zero-padded block
        float rest[block * block] = {};
        const float* rest_rows[block];
        for (int r = 0; r < block; ++r) {
            std::copy(rows[r] + at, rows[r] + values, rest + r * block);
            rest_rows[r] = rest + r * block;
        }
        D::widen_columns(rest_rows, 0, columns);
        take(static_cast<int>(values - at));
    }
#pragma GCC unroll 4
    for (int g = 0; g < groups; ++g) D::store(norms + g * D::width, unit[g]);
}

// Units of one strip: eight vectors where the registers hold three sets of them
// (AVX-512, 32 registers), four elsewhere.
template <class D>
constexpr int strip_vectors() {
    return D::width >= 8 ? 8 : 4;
}

// sums[k] += run[k]^2 for the strip's vectors of units.
template <class D, int vectors>
inline void add_run_squares(const float* run, typename D::V (&sums)[vectors]) {
#pragma GCC unroll 8
    for (int k = 0; k < vectors; ++k) {
        const auto v = D::from_floats(run + k * D::width);
        sums[k] = D::add(sums[k], D::mul(v, v));
    }
}

// strip_norms_portable over strip_vectors<D>() vectors of units, the unit's, tile's
// and slot's sums in registers (the same adds in the same order). Through memory, as
// the block pass keeps them, an hwio bank of 3x3x256x512 in the last-level cache
// took 109-125 against 85-102 us on two threads (AVX-512); the run eight reads on is
// asked for, as in the block pass.
template <class D>
void strip_norms(const UnitStrip& s, double* norms) {
    constexpr int vectors = strip_vectors<D>();
    using V = typename D::V;
    V unit[vectors], tile[vectors], slot[vectors];
#pragma GCC unroll 8
    for (int k = 0; k < vectors; ++k) unit[k] = D::zero();
    const std::int64_t runs = s.slot_end[s.slots - 1];
    RunsAhead ahead(runs);
    auto read_run = [&](const unsigned char* base, std::int64_t q) {
        ahead.ask(s.first, s.s_inner, s.n_inner, s.at, runs, vectors * D::width * 4);
        return reinterpret_cast<const float*>(base + s.at[q]);
    };
    for (std::int64_t i = 0; i < s.n_inner; ++i) {
        const unsigned char* base = s.first + i * s.s_inner;
#pragma GCC unroll 8
        for (int k = 0; k < vectors; ++k) tile[k] = D::zero();
        std::int64_t q = 0;
        for (std::int64_t j = 0; j < s.slots; ++j) {
            // (Two loops naming their sums: through one pointer to either, the sums
            // were kept in memory.)
            if (s.slot_end[j] - q == 1) {
                add_run_squares<D, vectors>(read_run(base, q++), tile);
                continue;
            }
#pragma GCC unroll 8
            for (int k = 0; k < vectors; ++k) slot[k] = D::zero();
            for (; q < s.slot_end[j]; ++q) add_run_squares<D, vectors>(read_run(base, q), slot);
#pragma GCC unroll 8
            for (int k = 0; k < vectors; ++k) tile[k] = D::add(tile[k], slot[k]);
        }
#pragma GCC unroll 8
        for (int k = 0; k < vectors; ++k) unit[k] = D::add(unit[k], tile[k]);
    }
#pragma GCC unroll 8
    for (int k = 0; k < vectors; ++k) D::store(norms + k * D::width, unit[k]);
}

}  // namespace
}  // namespace fasttile
