// The lane-row layout (lane_rows.hpp) written once over the vector traits W, compiled
// per instruction set like the other loops. W provides has_byte_lookup and, when true,
// a 16-byte type Bytes with load_bytes, store_bytes, or_bytes and lookup(table, index)
// (byte j = table[index[j]], 0 where index[j] has its top bit set). Without a lookup
// (SSE2 before SSSE3) the scalar table's loop does the work.
#pragma once

#include <cstdint>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class W>
void lane_rows(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out) {
    static_assert(kLanes == 16, "a lookup table holds one position's sixteen lanes");
    if constexpr (!W::has_byte_lookup) {
        scalar_loops().lane_rows(levels, rows, plan, out);
    } else {
        const unsigned char* lanes = plan.lanes.data();
        const unsigned char* pad = plan.pad.data();
        typename W::Bytes position[LaneRows::kMaxRun];
        for (std::int64_t y = 0; y < rows; ++y, levels += plan.run * kLanes, out += plan.row_bytes()) {
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

}  // namespace
}  // namespace fasttile
