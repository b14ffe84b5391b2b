// Min/max loops written once over a vector-traits type W (Vec<float> / Vec<double>
// in loops_sse2.cpp, loops_avx2.cpp, ...). Each ISA's translation unit includes this
// inside its own target region, and everything here has internal linkage, so every
// instruction set compiles its own copy and none is shared at link time.
//
// W provides: V (vector), width, load/store/set1/zero, min/max/sub/bit_or,
// all_zero(V), finite(V) (all-ones where finite), select(mask, yes, no),
// count_false(mask), scalar(...) (the scalar table's loop, for tails), and per-lane
// counters: Counter, zero_counter(), count_not(Counter, mask), add_counts(Counter, out).
#pragma once

#include <cstdint>
#include <cstring>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class W, class T>
void reduce(typename W::V l, typename W::V h, T* lo, T* hi) {
    alignas(32) T ls[W::width], hs[W::width];
    W::store(ls, l);
    W::store(hs, h);
    T lo_v = ls[0], hi_v = hs[0];
    for (int k = 1; k < W::width; ++k) {
        lo_v = ls[k] < lo_v ? ls[k] : lo_v;
        hi_v = hs[k] > hi_v ? hs[k] : hi_v;
    }
    *lo = lo_v;
    *hi = hi_v;
}

// Unmasked min/max, plus the OR of (x - x): zero exactly when every value is finite.
// Returns false (results unusable) when a non-finite value was seen.
template <class W, class T>
bool minmax_all_finite(const T* x, std::int64_t n, T* lo, T* hi) {
    auto l0 = W::set1(*lo), h0 = W::set1(*hi), l1 = l0, h1 = h0, bad = W::zero();
    std::int64_t i = 0;
    // Lines kReadAheadBytes ahead (hot_loops.hpp): often the first read of a tile in place.
    constexpr int kStepBytes = 2 * W::width * static_cast<int>(sizeof(T));
    for (; i + 2 * W::width <= n; i += 2 * W::width) {
        if constexpr (kStepBytes >= 64)
            for (int b = 0; b < kStepBytes; b += 64) prefetch_ahead(reinterpret_cast<const char*>(x + i) + b);
        else if (i * static_cast<std::int64_t>(sizeof(T)) % 64 == 0)  // once per line
            prefetch_ahead(x + i);
        const auto v0 = W::load(x + i), v1 = W::load(x + i + W::width);
        l0 = W::min(l0, v0);
        h0 = W::max(h0, v0);
        l1 = W::min(l1, v1);
        h1 = W::max(h1, v1);
        bad = W::bit_or(bad, W::bit_or(W::sub(v0, v0), W::sub(v1, v1)));
    }
    // The last values as whole vectors, the very last one overlapping values already
    // seen (a minimum or maximum does not mind), so no scalar tail is left.
    for (std::int64_t at = i; at < n && n >= W::width; at += W::width) {
        const auto v = W::load(x + (at + W::width <= n ? at : n - W::width));
        l0 = W::min(l0, v);
        h0 = W::max(h0, v);
        bad = W::bit_or(bad, W::sub(v, v));
        i = n;
    }
    if (!W::all_zero(bad)) return false;
    T tail_lo, tail_hi;
    reduce<W>(W::min(l0, l1), W::max(h0, h1), &tail_lo, &tail_hi);
    if (i < n && W::scalar(x + i, n - i, &tail_lo, &tail_hi)) return false;
    *lo = tail_lo;
    *hi = tail_hi;
    return true;
}

// Min/max over the finite values, and the count of the others.
template <class W, class T>
std::int64_t minmax(const T* x, std::int64_t n, T* lo, T* hi) {
    if (minmax_all_finite<W>(x, n, lo, hi)) return 0;
    const auto inf = W::set1(T(__builtin_inf())), ninf = W::set1(T(-__builtin_inf()));
    auto l = W::set1(*lo), h = W::set1(*hi);
    std::int64_t bad = 0, i = 0;
    for (; i + W::width <= n; i += W::width) {
        const auto v = W::load(x + i);
        const auto f = W::finite(v);
        l = W::min(l, W::select(f, v, inf));
        h = W::max(h, W::select(f, v, ninf));
        bad += W::count_false(f);
    }
    reduce<W>(l, h, lo, hi);
    return bad + W::scalar(x + i, n - i, lo, hi);
}

// Across-tile form, for batches with only finite values (the common case): unmasked
// min/max per lane plus the OR of (x - x) over the batch, as minmax_all_finite does.
// The same min/max operations in the same operand order as the masked loop below, so
// the same results. Returns false (lo and hi not set) when a value is not finite.
template <class W, class T>
bool minmax_lanes_all_finite(const T* x, std::int64_t n, T* lo, T* hi) {
    constexpr int vectors = kLanes / W::width;
    typename W::V l[vectors], h[vectors], seen = W::zero();
    for (int k = 0; k < vectors; ++k) {
        l[k] = W::set1(T(__builtin_inf()));
        h[k] = W::set1(T(-__builtin_inf()));
    }
    for (std::int64_t i = 0; i < n; ++i) {
#pragma GCC unroll 8
        for (int k = 0; k < vectors; ++k) {
            const auto v = W::load(x + i * kLanes + k * W::width);
            l[k] = W::min(l[k], v);
            h[k] = W::max(h[k], v);
            seen = W::bit_or(seen, W::sub(v, v));
        }
    }
    if (!W::all_zero(seen)) return false;
    for (int k = 0; k < vectors; ++k) {
        W::store(lo + k * W::width, l[k]);
        W::store(hi + k * W::width, h[k]);
    }
    return true;
}

// Across-tile form: a position holds kLanes tiles, in kLanes / width vectors.
template <class W, class T>
void minmax_lanes(const T* x, std::int64_t n, T* lo, T* hi, std::int64_t* bad) {
    std::memset(bad, 0, kLanes * sizeof *bad);  // in whole vectors, like lo and hi
    if (minmax_lanes_all_finite<W>(x, n, lo, hi)) return;
    constexpr int vectors = kLanes / W::width;
    const auto inf = W::set1(T(__builtin_inf())), ninf = W::set1(T(-__builtin_inf()));
    typename W::V l[vectors], h[vectors];
    typename W::Counter not_finite[vectors];
    for (int k = 0; k < vectors; ++k) {
        l[k] = inf;
        h[k] = ninf;
        not_finite[k] = W::zero_counter();
    }
    // Unrolled, so the running minima, maxima and counts stay in registers (a loop over
    // them keeps them in memory: every position then waits on a store and a reload).
    for (std::int64_t i = 0; i < n; ++i) {
#pragma GCC unroll 8
        for (int k = 0; k < vectors; ++k) {
            const auto v = W::load(x + i * kLanes + k * W::width);
            const auto f = W::finite(v);
            l[k] = W::min(l[k], W::select(f, v, inf));
            h[k] = W::max(h[k], W::select(f, v, ninf));
            not_finite[k] = W::count_not(not_finite[k], f);
        }
    }
    for (int k = 0; k < vectors; ++k) {
        W::store(lo + k * W::width, l[k]);
        W::store(hi + k * W::width, h[k]);
        W::add_counts(not_finite[k], bad + k * W::width);
    }
}

}  // namespace
}  // namespace fasttile
