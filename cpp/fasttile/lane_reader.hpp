// Reading kLanes tiles side by side (docs/design.md, section 5): value position p of
// lane k lands at buf[p * kLanes + k], and each lane's finite range and non-finite
// count come with the batch. Tiles are grouped along whichever tile index keeps them
// closest in memory: consecutive units (unit_lanes) or consecutive inner tiles of one
// unit (inner_lanes). A selection of units does not change the choice: the render
// reads a selection in ascending unit order (see render.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "gather.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"
#include "source.hpp"

namespace fasttile {

// per_tile: one tile at a time (rows local and long enough for the vector loops).
enum class Strategy { per_tile, unit_lanes, inner_lanes };

inline Strategy choose_strategy(const TileSource& s) {
    const std::int64_t es = static_cast<std::int64_t>(elem_size(s.type));
    const std::int64_t values = s.height * s.width * s.channels;
    const bool rows_local = s.s_x >= -4 * es * s.channels && s.s_x <= 4 * es * s.channels;
    if (rows_local && values >= 64) return Strategy::per_tile;
    const bool by_inner = s.n_inner >= 2, by_unit = shown_units(s) >= 2;
    const auto magnitude = [](std::int64_t v) { return v < 0 ? -v : v; };
    if (by_inner && (!by_unit || magnitude(s.s_inner) <= magnitude(s.s_outer)))
        return Strategy::inner_lanes;
    return by_unit ? Strategy::unit_lanes : Strategy::per_tile;
}

// One batch of up to kLanes tiles; lanes past `count` repeat the last tile.
struct LaneBatch {
    std::int64_t count = 0;
    std::int64_t tile[kLanes];  // display tile of each lane
    const unsigned char* origin[kLanes];
    std::int64_t stride = 0;  // bytes between lanes when constant (a full batch), else 0
    // Bytes from this batch's tiles to those of the batch kPrefetchBatches items later,
    // when constant (no selection), else 0.
    std::int64_t ahead = 0;
};

// How far ahead (in batches) the gather prefetches: a few batches cover the miss
// latency; more would evict lines before they are used.
constexpr std::int64_t kPrefetchBatches = 4;

// Batches of a strategy: how many, and batch `item`. Display tiles of a batch are
// consecutive (inner_lanes) or n_inner apart (unit_lanes).
inline std::int64_t lane_items(const TileSource& s, Strategy strategy) {
    const std::int64_t units = shown_units(s);
    if (strategy == Strategy::inner_lanes) return units * ((s.n_inner + kLanes - 1) / kLanes);
    return ((units + kLanes - 1) / kLanes) * s.n_inner;
}

inline std::int64_t lane_tile_step(const TileSource& s, Strategy strategy) {
    return strategy == Strategy::inner_lanes ? 1 : s.n_inner;
}

// Whether the kLanes shown units from position `first` are consecutive units (always
// without a selection; for a sorted selection, wherever it runs without gaps).
inline bool consecutive_units(const TileSource& s, std::int64_t first) {
    if (!s.indices) return true;
    for (int k = 1; k < kLanes; ++k)
        if (s.indices[first + k] != s.indices[first] + k) return false;
    return true;
}

inline LaneBatch lane_batch(const TileSource& s, Strategy strategy, std::int64_t item) {
    LaneBatch b;
    if (strategy == Strategy::inner_lanes) {
        const std::int64_t blocks = (s.n_inner + kLanes - 1) / kLanes;
        const std::int64_t unit_pos = item / blocks, first = (item % blocks) * kLanes;
        b.count = std::min<std::int64_t>(kLanes, s.n_inner - first);
        // One unit: its origin once, the lanes a plain (vectorized) step from it; a
        // 3x3 batch is cheap enough that per-lane lookups were a tenth of its cost.
        const unsigned char* base = unit_origin(s, unit_pos, first);
        const std::int64_t tile0 = unit_pos * s.n_inner + first;
        const auto fill = [&](std::int64_t count) {
            for (std::int64_t k = 0; k < count; ++k) {
                b.tile[k] = tile0 + k;
                b.origin[k] = base + k * s.s_inner;
            }
        };
        // A full batch with its count known when compiled: vector stores, not a loop
        // of single ones (a tenth of T's batch set-up, itself a tenth of its render).
        if (b.count == kLanes)
            fill(kLanes);
        else
            fill(b.count);
        b.stride = b.count == kLanes ? s.s_inner : 0;
        b.ahead = kPrefetchBatches * kLanes * s.s_inner;
    } else {
        const std::int64_t inner = item % s.n_inner, first = (item / s.n_inner) * kLanes;
        b.count = std::min<std::int64_t>(kLanes, shown_units(s) - first);
        for (std::int64_t k = 0; k < b.count; ++k) {
            b.tile[k] = (first + k) * s.n_inner + inner;
            b.origin[k] = unit_origin(s, first + k, inner);
        }
        b.stride = b.count == kLanes && consecutive_units(s, first) ? s.s_outer : 0;
        if (!s.indices) b.ahead = kPrefetchBatches * (s.n_inner > 1 ? s.s_inner : kLanes * s.s_outer);
    }
    for (std::int64_t k = b.count; k < kLanes; ++k) b.origin[k] = b.origin[b.count - 1];
    return b;
}

template <class T>
void minmax_lanes(const HotLoops& loops, const T* x, std::int64_t n, T* lo, T* hi, std::int64_t* bad) {
    if constexpr (std::is_same_v<T, float>)
        loops.minmax_lanes_f32(x, n, lo, hi, bad);
    else
        loops.minmax_lanes_f64(x, n, lo, hi, bad);
}

// Per-thread buffers of up to `group` batches, in T, with the current batch's range.
template <class E, class T>
class LaneReader {
public:
    // mean: average the channels (the view's channel_mean). group: batches read at once
    // (see lane_groups.hpp).
    LaneReader(const TileSource& s, bool mean, const HotLoops& loops, std::int64_t group = 1)
        : s_(s), mean_(mean), loops_(loops) {
        positions_ = s.height * s.width * (mean ? 1 : s.channels);
        // One spare zero position so quantization can always run whole vector pairs.
        values_.assign(static_cast<std::size_t>(group * batch_size()), T(0));
        current_ = values_.data();
    }

    std::int64_t positions() const { return positions_; }
    std::int64_t padded_positions() const { return positions_ + (positions_ & 1); }
    const T* values() const { return current_; }

    // Gathers the batch's values only.
    void gather(const LaneBatch& b) {
        current_ = values_.data();
        gather_lanes<E, T>(b.origin, b.stride, b.ahead, s_, mean_, values_.data(), loops_);
    }

    // Finds each lane's finite range and non-finite count (lo, hi, bad) in the current batch.
    void find_range() { minmax_lanes<T>(loops_, current_, positions_, lo, hi, bad); }

    // Gathers n batches (at most the group) into their buffers; then select(i) makes
    // batch i current. Batches of adjacent, consecutive units are read in one pass.
    void gather_group(const LaneBatch* b, int n, std::int64_t ahead);

    // Reads a crossed group (lane_groups.hpp: the unit block of batch `first` at n
    // consecutive inner indices from first's) so that batch k holds unit k's n inner
    // tiles side by side, the lanes past n repeating the last.
    void gather_crossed(const LaneBatch& first, int n, std::int64_t ahead);

    void select(int i) { current_ = values_.data() + i * batch_size(); }

    // Values between one batch's buffer and the next.
    std::int64_t batch_size() const { return padded_positions() * kLanes; }

    T lo[kLanes], hi[kLanes];
    std::int64_t bad[kLanes];

private:
    // The kLanes batches just gathered transposed into the crossed layout.
    void cross(int n) {
        const std::int64_t size = batch_size();
        T* v = values_.data();
        for (int i = n; i < kLanes; ++i) std::copy(v + (n - 1) * size, v + n * size, v + i * size);
        for (std::int64_t p = 0; p < padded_positions(); ++p)
            for (int i = 0; i < kLanes; ++i)
                for (int k = i + 1; k < kLanes; ++k) std::swap(v[i * size + p * kLanes + k], v[k * size + p * kLanes + i]);
    }

    const TileSource& s_;
    bool mean_;
    const HotLoops& loops_;
    std::int64_t positions_;
    std::vector<T> values_;
    const T* current_;
};

}  // namespace fasttile
