// Three planes of floats into (pixel, channel) order with AVX2, shared by the AVX2 and
// AVX-512 tables: included inside their target regions. For RGB tiles stored as
// planes (an oihw bank of RGB filters) read as values: the norms of M's tiles on AVX2,
// where SSE2's shuffles (gather.hpp) took 14% of an order="norm" render.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace fasttile {
namespace {

// Eight pixels: each plane permuted once so that every one of the three output
// vectors finds its lanes in the three permuted vectors, then two blends per output.
// Three permutes and six blends for 24 floats, against SSE2's sixteen shuffles: the
// shuffles share two ports, the blends take any of four. Lanes 0, 3, 6 of the first
// output are red, 1, 4, 7 green, 2, 5 blue; each later output turns the colours round.
inline void interleave_rgb8(const float* r, const float* g, const float* b, float* out) {
    const __m256 red = _mm256_permutevar8x32_ps(_mm256_loadu_ps(r), _mm256_setr_epi32(0, 3, 6, 1, 4, 7, 2, 5));
    const __m256 green = _mm256_permutevar8x32_ps(_mm256_loadu_ps(g), _mm256_setr_epi32(5, 0, 3, 6, 1, 4, 7, 2));
    const __m256 blue = _mm256_permutevar8x32_ps(_mm256_loadu_ps(b), _mm256_setr_epi32(2, 5, 0, 3, 6, 1, 4, 7));
    constexpr int lanes147 = 0x92, lanes25 = 0x24;  // the rest are lanes 0, 3, 6
    _mm256_storeu_ps(out, _mm256_blend_ps(_mm256_blend_ps(red, green, lanes147), blue, lanes25));
    _mm256_storeu_ps(out + 8, _mm256_blend_ps(_mm256_blend_ps(blue, red, lanes147), green, lanes25));
    _mm256_storeu_ps(out + 16, _mm256_blend_ps(_mm256_blend_ps(green, blue, lanes147), red, lanes25));
}

// HotLoops::interleave_rgb_f32: whole steps of eight pixels, the last step once more,
// overlapping (the same floats land again): no scalar tail past eight pixels.
inline void interleave_rgb_avx2(const unsigned char* red, std::int64_t plane_stride, std::int64_t n, float* out) {
    const float* r = reinterpret_cast<const float*>(red);
    const float* g = reinterpret_cast<const float*>(red + plane_stride);
    const float* b = reinterpret_cast<const float*>(red + 2 * plane_stride);
    if (n < 8) {
        for (std::int64_t i = 0; i < n; ++i)
            for (int c = 0; c < 3; ++c) std::memcpy(out + 3 * i + c, red + c * plane_stride + 4 * i, 4);
        return;
    }
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) interleave_rgb8(r + i, g + i, b + i, out + 3 * i);
    if (i < n) interleave_rgb8(r + n - 8, g + n - 8, b + n - 8, out + 3 * (n - 8));
}

}  // namespace
}  // namespace fasttile
