// Sixteen 3x3 tiles stored back to back (an oihw bank's 3x3 kernels: 144 floats, nine
// vectors) turned position-major in registers with AVX-512's two-table permutes
// (docs/design.md, section 5). A stride-9 deinterleave is a stride-3 one twice: the
// 144 values as three 48-value groups are split by the index mod 3 (the column), then
// each column's 48 values are split again by the row. Six permutes split 48 values
// three ways, 36 in all; the SSE2 4 x 4 blocks of the general gather took about half as
// long again (16-17 against 22-26 ns a batch, in cache), and a 16 x 16 register
// transpose or sixteen-value gathers took longer still (53 and 48 ns).
// Included inside the AVX-512 target region.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "lanes.hpp"

namespace fasttile {
namespace {

// The permute indices splitting three vectors (48 values x) three ways: out[c][j] =
// x[3 * j + c]. The first permute takes what lies in the first two vectors (indices
// under 32; 0 marks a value taken in the second), the second the rest from the third
// (16 + its index there) and keeps the first's (j).
struct ThreeWaySplit {
    alignas(64) std::int32_t from_two[3][16];
    alignas(64) std::int32_t with_third[3][16];
    constexpr ThreeWaySplit() : from_two(), with_third() {
        for (int c = 0; c < 3; ++c)
            for (int j = 0; j < 16; ++j) {
                const int at = 3 * j + c;
                from_two[c][j] = at < 32 ? at : 0;
                with_third[c][j] = at < 32 ? j : 16 + (at - 32);
            }
    }
};

inline void split_three(const __m512 x[3], const __m512i from_two[3], const __m512i with_third[3], __m512 out[3]) {
    for (int c = 0; c < 3; ++c)
        out[c] = _mm512_permutex2var_ps(_mm512_permutex2var_ps(x[0], from_two[c], x[1]), with_third[c], x[2]);
}

// buf[p * kLanes + k] = tiles[9 * k + p] for p < 9, k < 16.
inline void gather_nine_lanes(const float* tiles, float* buf) {
    static_assert(kLanes == 16, "sixteen tiles of nine values are nine vectors");
    static constexpr ThreeWaySplit split;
    __m512i from_two[3], with_third[3];
    for (int c = 0; c < 3; ++c) {
        from_two[c] = _mm512_load_si512(split.from_two[c]);
        with_third[c] = _mm512_load_si512(split.with_third[c]);
    }
    __m512 values[9], columns[9], positions[3];
    for (int v = 0; v < 9; ++v) values[v] = _mm512_loadu_ps(tiles + 16 * v);
    // columns[3 * g + c]: values 48 g + 3 j + c, that is column c of the tile rows 16 g + j
    for (int g = 0; g < 3; ++g) split_three(values + 3 * g, from_two, with_third, columns + 3 * g);
    for (int c = 0; c < 3; ++c) {
        const __m512 column[3] = {columns[c], columns[3 + c], columns[6 + c]};  // tile rows 3 k + r
        split_three(column, from_two, with_third, positions);
        for (int r = 0; r < 3; ++r) _mm512_storeu_ps(buf + (3 * r + c) * kLanes, positions[r]);
    }
}

}  // namespace
}  // namespace fasttile
