// The lane-row layout (lane_rows.hpp) written once over the vector traits W, compiled
// per instruction set like the other loops. W provides has_byte_lookup and, when true,
// a 16-byte type Bytes with load_bytes, store_bytes, or_bytes and lookup(table, index)
// (byte j = table[index[j]], 0 where index[j] has its top bit set), and the flags
// has_wide_lookup and has_pair_lookup for the 64- and 32-byte forms below. Without a
// lookup (SSE2 before SSSE3) the scalar table's loop does the work.
#pragma once

#include <cstdint>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

// With 64-byte lookups (W::has_wide_lookup: AVX-512BW's vpshufb, four 16-byte lanes
// at once), each position's sixteen levels are broadcast to the four lanes and a
// 64-byte output chunk takes one lookup per position; a row's last chunk is stored
// masked to the row's length.
template <class W>
void lane_rows_wide(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out,
                    std::int64_t out_stride) {
    const unsigned char* wide = plan.wide.data();
    const unsigned char* pad = plan.pad.data();
    const int chunks = plan.wide_chunks();
    const std::int64_t last_bytes = plan.row_bytes() - 64 * (chunks - 1);
    typename W::Wide position[LaneRows::kMaxRun];
    for (std::int64_t y = 0; y < rows; ++y, levels += plan.run * kLanes, out += out_stride) {
        for (int i = 0; i < plan.run; ++i) position[i] = W::broadcast_bytes(levels + i * kLanes);
        for (int g = 0; g < chunks; ++g) {
            auto chunk = W::load_wide(pad + g * 64);
            for (int i = 0; i < plan.run; ++i)
                chunk = W::or_wide(chunk, W::lookup_wide(position[i], W::load_wide(wide + (g * plan.run + i) * 64)));
            W::store_wide(out + g * 64, chunk, g + 1 < chunks ? 64 : last_bytes);
        }
    }
}

// With 32-byte lookups (W::has_pair_lookup: AVX2's vpshufb, two 16-byte lanes at
// once), the same from the 64-byte table's halves: two output chunks per lookup, not
// one (the lane rows took 16-17% of T's and H's render on one thread).
template <class W>
void lane_rows_pairs(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out,
                     std::int64_t out_stride) {
    const unsigned char* wide = plan.wide.data();
    const unsigned char* pad = plan.pad.data();
    const int pairs = (plan.unit + 1) / 2;
    typename W::Pair position[LaneRows::kMaxRun];
    for (std::int64_t y = 0; y < rows; ++y, levels += plan.run * kLanes, out += out_stride) {
        for (int i = 0; i < plan.run; ++i) position[i] = W::broadcast_pair(levels + i * kLanes);
        for (int h = 0; h < pairs; ++h) {
            const unsigned char* table = wide + (h / 2) * plan.run * 64 + (h % 2) * 32;
            auto chunk = W::load_pair(pad + h * 32);
            for (int i = 0; i < plan.run; ++i)
                chunk = W::or_pair(chunk, W::lookup_pair(position[i], W::load_pair(table + i * 64)));
            W::store_pair(out + h * 32, chunk, 2 * h + 1 < plan.unit);
        }
    }
}

template <class W>
void lane_rows(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out,
               std::int64_t out_stride) {
    static_assert(kLanes == 16, "a lookup table holds one position's sixteen lanes");
    if constexpr (W::has_wide_lookup) {
        lane_rows_wide<W>(levels, rows, plan, out, out_stride);
    } else if constexpr (W::has_pair_lookup) {
        lane_rows_pairs<W>(levels, rows, plan, out, out_stride);
    } else if constexpr (!W::has_byte_lookup) {
        scalar_loops().lane_rows(levels, rows, plan, out, out_stride);
    } else {
        const unsigned char* lanes = plan.lanes.data();
        const unsigned char* pad = plan.pad.data();
        typename W::Bytes position[LaneRows::kMaxRun];
        for (std::int64_t y = 0; y < rows; ++y, levels += plan.run * kLanes, out += out_stride) {
            for (int i = 0; i < plan.run; ++i) position[i] = W::load_bytes(levels + i * kLanes);
            for (int c = 0; c < plan.unit; ++c) {
                auto chunk = W::load_bytes(pad + c * 16);
                for (int i = 0; i < plan.run; ++i)
                    chunk = W::or_bytes(chunk, W::lookup(position[i], W::load_bytes(lanes + (c * plan.run + i) * 16)));
                W::store_bytes(out + c * 16, chunk);
            }
        }
    }
}

// Lookup indices for interleave_planes3: chunk k (of three 16-byte output chunks per
// 16 pixels) takes from plane c the bytes whose output position holds channel c;
// 0x80 selects 0 (pshufb: top bit set; tbl: index >= 16).
struct PlaneIndices {
    unsigned char index[3][3][16];  // [chunk][plane][byte]
    PlaneIndices() {
        for (int chunk = 0; chunk < 3; ++chunk)
            for (int plane = 0; plane < 3; ++plane)
                for (int byte = 0; byte < 16; ++byte) {
                    const int at = chunk * 16 + byte;
                    index[chunk][plane][byte] = at % 3 == plane ? static_cast<unsigned char>(at / 3) : 0x80;
                }
    }
};

template <class W>
void interleave_planes3(const unsigned char* planes, std::int64_t n, unsigned char* out) {
    static const PlaneIndices table;
    typename W::Bytes index[3][3];
    for (int chunk = 0; chunk < 3; ++chunk)
        for (int plane = 0; plane < 3; ++plane) index[chunk][plane] = W::load_bytes(table.index[chunk][plane]);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        typename W::Bytes plane[3];
        for (int c = 0; c < 3; ++c) plane[c] = W::load_bytes(planes + c * n + i);
        for (int chunk = 0; chunk < 3; ++chunk) {
            auto bytes = W::lookup(plane[0], index[chunk][0]);
            bytes = W::or_bytes(bytes, W::lookup(plane[1], index[chunk][1]));
            bytes = W::or_bytes(bytes, W::lookup(plane[2], index[chunk][2]));
            W::store_bytes(out + 3 * i + 16 * chunk, bytes);
        }
    }
    for (; i < n; ++i)
        for (int c = 0; c < 3; ++c) out[3 * i + c] = planes[c * n + i];
}

template <class W>
constexpr auto interleave_planes3_or_null() {
    if constexpr (W::has_byte_lookup)
        return &interleave_planes3<W>;
    else
        return static_cast<void (*)(const unsigned char*, std::int64_t, unsigned char*)>(nullptr);
}

}  // namespace
}  // namespace fasttile
