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

// Batches per group at most, and the bytes a group's buffers may take: eight batches of
// 32x32x3 floats, 512-byte runs. That spills past the 1 MB L2, but with each run asked
// for a few positions ahead (gather_wide) the longer runs won: on a cols bank of
// 3072 x 65536 float32, 800 KB (four batches) rendered in 71-72 ms, 1.6 MB in 64-65 ms
// (paired medians, two threads; 3.2 MB, sixteen batches, 66 ms).
// A crossed group (below) holds kLanes batches, so arrays of a group's batches take
// kMaxGroup.
constexpr int kMaxWide = 8;
constexpr int kMaxGroup = kLanes;
constexpr std::int64_t kGroupBytes = std::int64_t{1600} << 10;

// Batches per group of consecutive unit blocks, for batches of `batch_bytes`.
inline std::int64_t group_width(std::int64_t batch_bytes) {
    return std::clamp<std::int64_t>(kGroupBytes / std::max<std::int64_t>(batch_bytes, 1), 1, kMaxWide);
}

// Bytes of one lane batch's buffer.
template <class T>
std::int64_t lane_batch_bytes(const TileSource& s) {
    const std::int64_t positions = s.height * s.width * (s.channel_mean ? 1 : s.channels);
    return (positions + (positions & 1)) * kLanes * static_cast<std::int64_t>(sizeof(T));
}

// The work items of a lane strategy: each a group of up to `width` batches of
// consecutive unit blocks with one inner index. With one inner tile per unit (a "cols"
// bank) they are ordered unit block fastest, so consecutive items read neighbouring
// memory. With several ("hwio"), inner index fastest, so that the items of one thread
// fill the same picture rows column after column, and two threads handed blocks of
// items write different cache lines, not 4-byte cells of the same lines.
//
// Crossed (asked for by the render, for several inner tiles): a group
// is one unit block at kLanes consecutive inner indices. Each of its batches has its
// tiles down a grid column, 4-byte cells a picture row apart for a 3x3 kernel; the
// reader transposes the group (LaneReader::cross) into batches of one unit's kLanes
// inner tiles, which sit side by side in a grid row and are stored as whole rows (H,
// a 3x3x256x512 kernel: 0.88 -> 0.56 ms). Items are ordered unit block fastest:
// consecutive items read the neighbouring 64 bytes of the same bank rows, so a row
// (2 KB for 512 filters) is read whole within a few items; in inner-block order every
// row of the bank was read once per unit block, 64 bytes at a time (H: 0.41 -> 0.33
// ms; bank and mosaic out of cache 0.87 -> 0.76 ms; paired medians, 2 threads). A
// selection (read in ascending unit order, each tile painted at its display position)
// is crossed the same way: a unit's inner tiles stay side by side wherever it is shown.
struct LaneGroups {
    std::int64_t width = 1;   // batches per group
    std::int64_t blocks = 1;  // unit blocks (of kLanes units) per inner index
    std::int64_t per_inner = 1;  // groups per inner index
    std::int64_t items = 0;
    std::int64_t n_inner = 1;
    bool grouped = false;
    bool selection = false;  // units picked by indices: where a group's next one is is unknown
    bool crossed = false;
    std::int64_t inner_blocks = 1;  // crossed: blocks of kLanes inner indices

    LaneGroups(const TileSource& s, Strategy strategy, std::int64_t batch_bytes, bool cross = false) {
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
        if (cross && n_inner > 1) {
            crossed = true;
            width = kLanes;
            inner_blocks = (n_inner + kLanes - 1) / kLanes;
            items = blocks * inner_blocks;
        }
    }

    // The lane_batch numbers of work item w (unit block j, inner i is j * n_inner + i),
    // and how many; for a crossed group only the first is written.
    int batches(std::int64_t w, std::int64_t* out) const {
        if (!grouped) {
            out[0] = w;
            return 1;
        }
        if (crossed) {  // the first batch; the others follow by one inner index each
            const std::int64_t block = w % blocks, first = (w / blocks) * kLanes;
            out[0] = block * n_inner + first;
            return static_cast<int>(std::min<std::int64_t>(kLanes, n_inner - first));
        }
        const std::int64_t inner = w % n_inner, first = (w / n_inner) * width;
        const std::int64_t n = std::min(width, blocks - first);
        for (std::int64_t j = 0; j < n; ++j) out[j] = (first + j) * n_inner + inner;
        return static_cast<int>(n);
    }

    // Bytes from a group to the one the same thread reads a few items later: the next
    // groups along the same inner index (one inner tile), the same rows kPrefetchBatches
    // unit blocks on (crossed), or none (several inner tiles: 0 leaves it to the batch's
    // own `ahead`).
    std::int64_t ahead(const TileSource& s) const {
        if (!grouped || selection) return 0;
        if (crossed) return kPrefetchBatches * kLanes * s.s_outer;
        return n_inner == 1 ? ahead_for(s, width) : 0;
    }
    static std::int64_t ahead_for(const TileSource& s, std::int64_t width) {
        return std::max<std::int64_t>(kPrefetchBatches, width) * kLanes * s.s_outer;
    }
};

// Value positions a wide group's read asks ahead for. The runs of one group are a bank
// row apart, so no hardware prefetcher foresees them; lines asked for a whole group
// ahead (the old distance: 3072 positions, 800 KB of reads, on a cols bank of 32x32x3
// columns) left L2 before their turn. On that bank (3072 x 65536 float32, two threads)
// eight positions ahead took the render from 88-92 to 67-72 ms (paired medians; 16
// and 32 positions no better).
constexpr std::int64_t kAheadPositions = 8;

// A tile's value positions in reading order (y, x, channel), as byte offsets.
struct PositionWalk {
    const TileSource& s;
    std::int64_t y = 0, x = 0, c = 0;

    std::int64_t offset() const { return y * s.s_y + x * s.s_x + c * s.s_channel; }
    bool done() const { return y == s.height; }
    void restart() { y = x = c = 0; }
    void next() {
        if (++c < s.channels) return;
        c = 0;
        if (++x < s.width) return;
        x = 0;
        ++y;
    }
};

// `batches` lane batches of adjacent, consecutive units starting at `origin`: each
// value position is one run of batches * kLanes elements, copied into each batch's
// buffer (bufs[g][pos * kLanes + k]). Each run asks for the one kAheadPositions
// positions on, which past the group's last position lies in the group `ahead` bytes
// later (0: none there).
template <class E, class T>
void gather_wide(const unsigned char* origin, int batches, std::int64_t ahead, const TileSource& s, T* const* bufs,
                 const HotLoops& loops) {
    constexpr std::int64_t run = kLanes * static_cast<std::int64_t>(sizeof(E));
    const std::int64_t span = batches * run;
    PositionWalk at{s}, soon{s};
    std::int64_t soon_group = 0;  // bytes from this group to the one `soon` walks
    bool asking = true;
    for (std::int64_t k = 0; k < kAheadPositions && !soon.done(); ++k) soon.next();
    for (std::int64_t pos = 0; !at.done(); at.next(), ++pos) {
        if (soon.done()) {  // past this group's end: the next group's first positions
            soon.restart();
            soon_group = ahead;
            asking = ahead != 0;
        }
        if (asking) {  // addresses in integers: the next group may lie past the bank's end
            const unsigned char* here = origin + soon.offset();
            for (std::int64_t b = 0; b < span; b += 64) prefetch_past(here, soon_group + b);
            prefetch_past(here, soon_group + span - 1);
        }
        soon.next();
        const unsigned char* src = origin + at.offset();
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

// A crossed group whose first batch is `first`, of a full unit block of adjacent
// float (or double) units, read straight into the crossed layout: at each value
// position the n inner rows of kLanes units are transposed in register blocks (4 x 4
// floats) into the units' buffers, rather than copied as they lie and then transposed
// value by value. Returns false (nothing done) for other groups.
#if defined(__SSE2__)
template <class E, class T>
bool gather_crossed_blocks(const LaneBatch& first, int n, std::int64_t ahead, const TileSource& s, T* v,
                           std::int64_t size) {
    if constexpr (std::is_same_v<E, T>) {
        constexpr std::int64_t es = sizeof(T), block = 16 / sizeof(T);
        if (first.stride != es) return false;
        const unsigned char* rows[kLanes];
        std::int64_t pos = 0;
        for (std::int64_t y = 0; y < s.height; ++y)
            for (std::int64_t x = 0; x < s.width; ++x)
                for (std::int64_t c = 0; c < s.channels; ++c, ++pos) {
                    const unsigned char* at = first.origin[0] + y * s.s_y + x * s.s_x + c * s.s_channel;
                    for (int i = 0; i < kLanes; ++i) rows[i] = at + std::min(i, n - 1) * s.s_inner;
                    if (ahead)
                        for (int i = 0; i < n; ++i) prefetch_past(rows[i], ahead);
                    for (std::int64_t k = 0; k < kLanes; k += block)
                        for (std::int64_t i = 0; i < kLanes; i += block)
                            transpose_block(rows + i, k, v + k * size + pos * kLanes + i, size);
                }
        return true;
    }
    return false;
}
#else
template <class E, class T>
bool gather_crossed_blocks(const LaneBatch&, int, std::int64_t, const TileSource&, T*, std::int64_t) {
    return false;
}
#endif

template <class E, class T>
void LaneReader<E, T>::gather_crossed(const LaneBatch& first, int n, std::int64_t ahead) {
    if (gather_crossed_blocks<E, T>(first, n, ahead, s_, values_.data(), batch_size())) return;
    LaneBatch b[kLanes];
    for (int i = 0; i < n; ++i) {
        b[i] = first;
        for (int k = 0; k < kLanes; ++k) b[i].origin[k] += i * s_.s_inner;
    }
    gather_group(b, n, ahead);
    cross(n);
}

}  // namespace fasttile
