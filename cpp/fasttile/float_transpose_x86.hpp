// An 8x8 block of floats transposed in registers (AVX), shared by the AVX2 and AVX-512
// tables: included inside their target regions. For the short-tile norms
// (slot_sums_loops.hpp), whose vectors hold one value of each of eight units.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace fasttile {
namespace {

// columns[k] = {rows[0][at + k], ..., rows[7][at + k]}: pairs interleaved, then
// quads, then the 128-bit halves swapped across.
inline void transpose8_floats(const float* const* rows, std::int64_t at, __m256 columns[8]) {
    __m256 r[8], pair[8], quad[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(rows[k] + at);
    for (int k = 0; k < 8; k += 2) {
        pair[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        pair[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
    }
    for (int k = 0; k < 8; k += 4) {
        quad[k] = _mm256_shuffle_ps(pair[k], pair[k + 2], 0x44);
        quad[k + 1] = _mm256_shuffle_ps(pair[k], pair[k + 2], 0xEE);
        quad[k + 2] = _mm256_shuffle_ps(pair[k + 1], pair[k + 3], 0x44);
        quad[k + 3] = _mm256_shuffle_ps(pair[k + 1], pair[k + 3], 0xEE);
    }
    for (int k = 0; k < 4; ++k) {
        columns[k] = _mm256_permute2f128_ps(quad[k], quad[k + 4], 0x20);
        columns[k + 4] = _mm256_permute2f128_ps(quad[k], quad[k + 4], 0x31);
    }
}

}  // namespace
}  // namespace fasttile
