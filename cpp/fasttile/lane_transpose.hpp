// A quantized lane batch turned tile-major for painting wide tile rows (docs/design.md,
// section 5): levels[p * kLanes + k] -> tiles[k * positions + p], so each of the
// sixteen tiles then paints row by row with plain copies. Gathering a 96-byte row
// (32 RGB pixels) one byte at a time, stride 16, was a fifth of a "cols" render; a
// 16 x 16 byte block transposes in registers with four rounds of byte interleaves
// (SSE2, the x86-64 baseline; a plain loop elsewhere).
#pragma once

#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lanes.hpp"

namespace fasttile {

#if defined(__SSE2__)
// Rows i and i + 8 interleaved byte by byte, four times over: row i of the result is
// column i of the block (16 = 2^4, and each round moves one bit of the row index into
// the column index).
inline void transpose_16x16(const unsigned char* block, unsigned char* dst, std::int64_t dst_stride) {
    // Fully unrolled: as loops, the arrays live in memory and every interleave pays a
    // store and a reload (most of this function's time).
    __m128i rows[16], next[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) rows[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i));
#pragma GCC unroll 4
    for (int round = 0; round < 4; ++round) {
#pragma GCC unroll 8
        for (int i = 0; i < 8; ++i) {
            next[2 * i] = _mm_unpacklo_epi8(rows[i], rows[i + 8]);
            next[2 * i + 1] = _mm_unpackhi_epi8(rows[i], rows[i + 8]);
        }
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) rows[i] = next[i];
    }
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i * dst_stride), rows[i]);
}
#endif

inline void levels_by_tile(const unsigned char* levels, std::int64_t positions, unsigned char* tiles) {
    static_assert(kLanes == 16, "one 16 x 16 block per sixteen positions");
    std::int64_t p = 0;
#if defined(__SSE2__)
    for (; p + 16 <= positions; p += 16) transpose_16x16(levels + p * kLanes, tiles + p, positions);
#endif
    for (; p < positions; ++p)
        for (int k = 0; k < kLanes; ++k) tiles[k * positions + p] = levels[p * kLanes + k];
}

}  // namespace fasttile
