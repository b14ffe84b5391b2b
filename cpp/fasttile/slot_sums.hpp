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

}  // namespace fasttile
