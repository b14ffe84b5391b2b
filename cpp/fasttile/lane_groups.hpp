// Lane batches read in groups (docs/design.md, section 5, "wide blocks"). Where the
// units of a unit_lanes batch sit one element apart (a "cols" bank, an "hwio" kernel),
// a batch reads one cache line from each of its value positions, and those lines are a
// whole bank row apart: a page, and a DRAM row, per line. A group of neighbouring
// batches reads each position as one run of several whole lines instead, so every page
// and DRAM row opened serves several lines; the group's values stay in L2 (each batch
// in a buffer of its own) until they are quantized and painted.
#pragma once

#include <algorithm>
#include <cstdint>

#include "element.hpp"
#include "gather.hpp"
#include "lane_reader.hpp"

namespace fasttile {

// Batches per group at most, and the bytes a group's buffers may take (inside a 1 MB
// L2 with room for the levels and the painter's rows: four batches of 32x32x3 floats).
constexpr int kMaxGroup = 8;
constexpr std::int64_t kGroupBytes = std::int64_t{800} << 10;

// Batches per group for batches of `batch_bytes`.
inline std::int64_t group_width(std::int64_t batch_bytes) {
    return std::clamp<std::int64_t>(kGroupBytes / std::max<std::int64_t>(batch_bytes, 1), 1, kMaxGroup);
}

// Bytes of one lane batch's buffer.
template <class T>
std::int64_t lane_batch_bytes(const TileSource& s) {
    const std::int64_t positions = s.height * s.width * (s.channel_mean ? 1 : s.channels);
    return (positions + (positions & 1)) * kLanes * static_cast<std::int64_t>(sizeof(T));
}

// The work items of a lane strategy: each a group of up to `width` batches of
// consecutive unit blocks with one inner index. Ordered unit block fastest, so
// consecutive items read neighbouring memory.
struct LaneGroups {
    std::int64_t width = 1;   // batches per group
    std::int64_t blocks = 1;  // unit blocks (of kLanes units) per inner index
    std::int64_t per_inner = 1;  // groups per inner index
    std::int64_t items = 0;
    std::int64_t n_inner = 1;
    bool grouped = false;
    bool selection = false;  // units picked by indices: where a group's next one is is unknown

    LaneGroups(const TileSource& s, Strategy strategy, std::int64_t batch_bytes) {
        items = lane_items(s, strategy);
        const std::int64_t es = static_cast<std::int64_t>(elem_size(s.type));
        // A selection is grouped too (the render reads it in ascending order, so the
        // blocks of order="norm" are whole runs again); gather_group checks each batch.
        if (strategy != Strategy::unit_lanes || s.channel_mean || s.s_outer != es) return;
        selection = s.indices != nullptr;
        grouped = true;
        n_inner = s.n_inner;
        blocks = (shown_units(s) + kLanes - 1) / kLanes;
        width = group_width(batch_bytes);
        per_inner = (blocks + width - 1) / width;
        items = per_inner * n_inner;
    }

    // The lane_batch numbers of work item w (unit block j, inner i is j * n_inner + i).
    int batches(std::int64_t w, std::int64_t* out) const {
        if (!grouped) {
            out[0] = w;
            return 1;
        }
        const std::int64_t inner = w / per_inner, first = (w % per_inner) * width;
        const std::int64_t n = std::min(width, blocks - first);
        for (std::int64_t j = 0; j < n; ++j) out[j] = (first + j) * n_inner + inner;
        return static_cast<int>(n);
    }

    // Bytes from a group to the one read kPrefetchBatches batches later by the same
    // thread (the next groups along the same inner index).
    std::int64_t ahead(const TileSource& s) const { return grouped && !selection ? ahead_for(s, width) : 0; }
    static std::int64_t ahead_for(const TileSource& s, std::int64_t width) {
        return std::max<std::int64_t>(kPrefetchBatches, width) * kLanes * s.s_outer;
    }
};

// `batches` lane batches of adjacent, consecutive units starting at `origin`: each
// value position is one run of batches * kLanes elements, copied into each batch's
// buffer (bufs[g][pos * kLanes + k]). The group `ahead` bytes later (0: none) is prefetched line
// by line as each run is read.
template <class E, class T>
void gather_wide(const unsigned char* origin, int batches, std::int64_t ahead, const TileSource& s, T* const* bufs,
                 const HotLoops& loops) {
    constexpr std::int64_t run = kLanes * static_cast<std::int64_t>(sizeof(E));
    const std::int64_t span = batches * run;
    std::int64_t pos = 0;
    for (std::int64_t y = 0; y < s.height; ++y)
        for (std::int64_t x = 0; x < s.width; ++x)
            for (std::int64_t c = 0; c < s.channels; ++c, ++pos) {
                const unsigned char* src = origin + y * s.s_y + x * s.s_x + c * s.s_channel;
                if (ahead) {
                    for (std::int64_t b = 0; b < span; b += 64) __builtin_prefetch(src + ahead + b);
                    __builtin_prefetch(src + ahead + span - 1);
                }
                for (int g = 0; g < batches; ++g) convert_run<E, T>(src + g * run, kLanes, bufs[g] + pos * kLanes, loops);
            }
}

// The leading batches of adjacent, consecutive units (full batches, one element apart)
// are read in one wide pass; any others (a last, partial batch) one by one.
template <class E, class T>
void LaneReader<E, T>::gather_group(const LaneBatch* b, int n, std::int64_t ahead) {
    constexpr std::int64_t es = sizeof(E);
    T* bufs[kMaxGroup];
    for (int i = 0; i < n; ++i) bufs[i] = values_.data() + i * batch_size();
    int wide = 0;
    while (!mean_ && wide < n && b[wide].stride == es && b[wide].origin[0] == b[0].origin[0] + wide * kLanes * es) ++wide;
    if (wide) gather_wide<E, T>(b[0].origin[0], wide, ahead ? ahead : b[0].ahead, s_, bufs, loops_);
    for (int i = wide; i < n; ++i) gather_lanes<E, T>(b[i].origin, b[i].stride, b[i].ahead, s_, mean_, bufs[i], loops_);
}

}  // namespace fasttile
