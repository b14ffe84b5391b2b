// The order in which the per-unit passes add (docs/design.md, section 4): a tile's
// terms (squares; or, for the statistics, finite values shifted and their squares)
// are dealt into kSlots running sums by position mod kSlots, each added from 0.0 in
// position order; the tile's sum is then the slots added from 0.0 in slot order. The
// NumPy backend repeats it exactly. Why slots: one sum from left to right is a chain
// of dependent adds, which no vector loop can run at read speed inside one tile,
// while 64 slots are 64 independent chains (eight AVX-512 vectors) and need no
// transposing lane buffer. Why added in slot order: a tile of at most 64 values (a
// 3x3 filter) then adds strictly left to right, so its fast paths add as before.
//
// Here: the slot count and the portable forms of what the loop tables do.
#pragma once

#include <algorithm>
#include <cstdint>

#include "lanes.hpp"

namespace fasttile {

constexpr std::int64_t kSlots = 64;

// The slots a tile of `positions` values fills.
inline std::int64_t filled_slots(std::int64_t positions) { return std::min(positions, kSlots); }

// acc[i % period] += x[i] * x[i] in double (one multiply, one add), in increasing i.
template <class T>
void slot_squares_portable(const T* x, std::int64_t n, std::int64_t period, double* acc) {
    for (std::int64_t at = 0; at < n; at += period)
        for (std::int64_t i = 0; i < std::min(period, n - at); ++i) {
            const double d = static_cast<double>(x[at + i]);
            acc[i] += d * d;
        }
}

// Lane k's squares over `positions` positions of x[pos * kLanes + k], slot by slot (each
// slot's positions a whole line of lanes), each slot's sum added onto sq[k] in slot
// order: sq must hold 0.0 on entry for the order to be the norms'.
template <class T>
void lane_squares_portable(const T* x, std::int64_t positions, double* sq) {
    for (std::int64_t slot = 0; slot < filled_slots(positions); ++slot) {
        double acc[kLanes] = {};
        for (std::int64_t i = slot; i < positions; i += kSlots)
            for (int k = 0; k < kLanes; ++k) {
                const double d = static_cast<double>(x[i * kLanes + k]);
                acc[k] += d * d;
            }
        for (int k = 0; k < kLanes; ++k) sq[k] += acc[k];
    }
}

// Units of a short-tile strip at most (HotLoops::short_strip_units: the callers keep
// that many row pointers).
constexpr std::int64_t kMaxShortStrip = 8;

// short_strip_norms (slot_sums_loops.hpp) of `Units` units, one at a time.
template <int Units>
void short_strip_norms_portable(const float* const* rows, std::int64_t values, std::int64_t positions,
                                double* norms) {
    for (int r = 0; r < Units; ++r) {
        double unit = 0.0, tile = 0.0;
        for (std::int64_t at = 0; at < values; ++at) {
            const double d = static_cast<double>(rows[r][at]);
            tile = at % positions == 0 ? d * d : tile + d * d;
            if (at % positions == positions - 1) unit += tile;
        }
        norms[r] = unit;
    }
}

// The adjacent-units norm passes (a block of 1 KB runs in unit_stats.cpp, a strip in
// registers in slot_sums_loops.hpp) ask for the run this many reads on while they read
// one (measurements at unit_stats.cpp kRunBlock).
constexpr std::int64_t kRunsAhead = 8;

// The run kRunsAhead reads after the present one, counting on into the next inner
// tile. ask() requests its first `bytes` (nothing once it lies past the last tile) and
// steps on; called once per run read.
struct RunsAhead {
    std::int64_t tile, run;

    explicit RunsAhead(std::int64_t runs) : tile(kRunsAhead / runs), run(kRunsAhead % runs) {}

    void ask(const unsigned char* first, std::int64_t s_inner, std::int64_t n_inner, const std::int64_t* at,
             std::int64_t runs, std::int64_t bytes) {
        if (tile >= n_inner) return;
        const unsigned char* next = first + tile * s_inner + at[run];
        for (std::int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(next + b);
        if (++run == runs) run = 0, ++tile;
    }
};

// A strip of adjacent float32 units (a cols bank or an hwio kernel, one element apart)
// whose norms are summed with the strip's sums held in registers: the units from
// `first`; for each of n_inner tiles (s_inner bytes apart), its value positions'
// runs at byte offsets at[], slot by slot (slot j's runs end at slot_end[j]).
struct UnitStrip {
    const unsigned char* first;
    std::int64_t n_inner, s_inner;
    const std::int64_t* at;
    const std::int64_t* slot_end;
    std::int64_t slots;
};

// The squared norms of the strip's `Units` units into norms[0, Units), in the order
// of the adjacent-units pass (unit_stats.cpp norms_of_run_block): per tile, a slot of
// one run adds its squares to the tile's sums directly, a longer slot sums its runs
// from 0.0 first; the tiles' sums are added to the units' in inner order.
template <int Units>
void strip_norms_portable(const UnitStrip& s, double* norms) {
    double unit[Units] = {};
    for (std::int64_t i = 0; i < s.n_inner; ++i) {
        const unsigned char* base = s.first + i * s.s_inner;
        double tile[Units] = {};
        std::int64_t q = 0;
        for (std::int64_t j = 0; j < s.slots; ++j) {
            double slot[Units] = {};
            double* into = s.slot_end[j] - q == 1 ? tile : slot;
            for (; q < s.slot_end[j]; ++q) {
                const float* run = reinterpret_cast<const float*>(base + s.at[q]);
                for (int k = 0; k < Units; ++k) into[k] += static_cast<double>(run[k]) * static_cast<double>(run[k]);
            }
            if (into == slot)
                for (int k = 0; k < Units; ++k) tile[k] += slot[k];
        }
        for (int k = 0; k < Units; ++k) unit[k] += tile[k];
    }
    std::copy(unit, unit + Units, norms);
}

}  // namespace fasttile
