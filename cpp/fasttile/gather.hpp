// Copies one tile from the strided source into a small contiguous buffer in the
// computing precision, in output order (y, x, channel), while it is hot in cache.
#pragma once

#include <cstring>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "element.hpp"
#include "hot_loops.hpp"
#include "kernel.hpp"

namespace fasttile {

// Converts n contiguous source elements.
template <class E, class T>
inline void convert_run(const unsigned char* src, std::int64_t n, T* dst, const HotLoops& loops) {
    if constexpr (std::is_same_v<E, T>) {
        std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(T));
    } else if constexpr (std::is_same_v<E, Half>) {
        loops.widen_f16(src, n, dst);
    } else if constexpr (std::is_same_v<E, BFloat16>) {
        loops.widen_bf16(src, n, dst);
    } else {
        for (std::int64_t i = 0; i < n; ++i)
            dst[i] = to_compute<T>(load_unaligned<E>(src + i * static_cast<std::int64_t>(sizeof(E))));
    }
}

// Mean of a pixel's channels without overflow: float results accumulate in double
// and divide once; double results add terms already divided by C. In channel order.
template <class E, class T>
inline T channel_mean(const unsigned char* px, std::int64_t channels, std::int64_t stride) {
    const double count = static_cast<double>(channels);
    if constexpr (std::is_same_v<T, float>) {
        double acc = static_cast<double>(to_compute<T>(load_unaligned<E>(px)));
        for (std::int64_t c = 1; c < channels; ++c)
            acc = acc + static_cast<double>(to_compute<T>(load_unaligned<E>(px + c * stride)));
        return static_cast<float>(acc / count);
    } else {
        double acc = to_compute<T>(load_unaligned<E>(px)) / count;
        for (std::int64_t c = 1; c < channels; ++c) acc = acc + to_compute<T>(load_unaligned<E>(px + c * stride)) / count;
        return acc;
    }
}

// One row of an RGB tile stored as three planes (an oihw bank of RGB filters) into
// (x, c) order. For float, four pixels at a time with register shuffles (the scalar
// form spends a load and a store per value, a third of an M-sized render).
template <class T>
inline void interleave_rgb(const unsigned char* row, std::int64_t plane_stride, std::int64_t w, T* dst) {
    const unsigned char* green = row + plane_stride;
    const unsigned char* blue = green + plane_stride;
    constexpr std::int64_t es = sizeof(T);
    std::int64_t x = 0;
#if defined(__SSE2__)
    if constexpr (std::is_same_v<T, float>) {
        for (; x + 4 <= w; x += 4) {
            const __m128 r = _mm_loadu_ps(reinterpret_cast<const float*>(row + x * es));
            const __m128 g = _mm_loadu_ps(reinterpret_cast<const float*>(green + x * es));
            const __m128 b = _mm_loadu_ps(reinterpret_cast<const float*>(blue + x * es));
            const __m128 rg_lo = _mm_unpacklo_ps(r, g), rg_hi = _mm_unpackhi_ps(r, g);  // r0 g0 r1 g1, r2 g2 r3 g3
            const __m128 b0r1 = _mm_shuffle_ps(b, r, _MM_SHUFFLE(1, 1, 0, 0));             // b0 b0 r1 r1
            const __m128 g1b1 = _mm_shuffle_ps(g, b, _MM_SHUFFLE(1, 1, 1, 1));             // g1 g1 b1 b1
            const __m128 b2r3 = _mm_shuffle_ps(b, r, _MM_SHUFFLE(3, 3, 2, 2));             // b2 b2 r3 r3
            const __m128 g3b3 = _mm_shuffle_ps(g, b, _MM_SHUFFLE(3, 3, 3, 3));             // g3 g3 b3 b3
            float* out = dst + 3 * x;
            _mm_storeu_ps(out, _mm_shuffle_ps(rg_lo, b0r1, _MM_SHUFFLE(2, 0, 1, 0)));     // r0 g0 b0 r1
            _mm_storeu_ps(out + 4, _mm_shuffle_ps(g1b1, rg_hi, _MM_SHUFFLE(1, 0, 2, 0)));  // g1 b1 r2 g2
            _mm_storeu_ps(out + 8, _mm_shuffle_ps(b2r3, g3b3, _MM_SHUFFLE(2, 0, 2, 0)));   // b2 r3 g3 b3
        }
    }
#endif
    for (; x < w; ++x) {
        dst[3 * x] = load_unaligned<T>(row + x * es);
        dst[3 * x + 1] = load_unaligned<T>(green + x * es);
        dst[3 * x + 2] = load_unaligned<T>(blue + x * es);
    }
}

// interleave_rgb through the table for float (AVX2 and AVX-512 permute eight pixels at
// a time there), directly for double.
template <class T>
inline void interleave_planes(const unsigned char* red, std::int64_t plane_stride, std::int64_t n, T* dst,
                              const HotLoops& loops) {
    if constexpr (std::is_same_v<T, float>)
        loops.interleave_rgb_f32(red, plane_stride, n, dst);
    else
        interleave_rgb(red, plane_stride, n, dst);
}

// Tile at `p` (already offset to its unit and inner index), into buf as (y, x, c);
// with `mean`, one value per pixel.
template <class E, class T>
void gather_tile(const unsigned char* p, const TileSource& s, bool mean, T* buf, const HotLoops& loops) {
    const std::int64_t C = s.channels, h = s.height, w = s.width;
    const std::int64_t es = static_cast<std::int64_t>(sizeof(E));
    if (mean) {
        for (std::int64_t y = 0; y < h; ++y)
            for (std::int64_t x = 0; x < w; ++x)
                buf[y * w + x] = channel_mean<E, T>(p + y * s.s_y + x * s.s_x, C, s.s_channel);
        return;
    }
    const bool rows_contiguous = s.s_x == C * es && (C == 1 || s.s_channel == es);
    const bool rgb_planes = std::is_same_v<E, T> && C == 3 && s.s_x == es;  // CHW: three planar rows
    if (rgb_planes && s.s_y == w * es) {  // three whole planes: one run, no tail per row
        interleave_planes(p, s.s_channel, h * w, buf, loops);
        return;
    }
    for (std::int64_t y = 0; y < h; ++y) {
        const unsigned char* row = p + y * s.s_y;
        T* dst = buf + y * w * C;
        if (rows_contiguous) {
            convert_run<E, T>(row, w * C, dst, loops);
            continue;
        }
        if (rgb_planes) {
            interleave_planes(row, s.s_channel, w, dst, loops);
            continue;
        }
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t c = 0; c < C; ++c)
                dst[x * C + c] = to_compute<T>(load_unaligned<E>(row + x * s.s_x + c * s.s_channel));
    }
}

#if defined(__SSE2__)
// kLanes float (or double) tiles whose rows are stored contiguously, side by side:
// blocks of 4 lanes x 4 positions (2 x 2 for double) are transposed in registers
// instead of stored one value at a time. SSE2 is the x86-64 baseline.
// step: values between consecutive positions in dst (kLanes: positions adjacent).
inline void transpose_block(const unsigned char* const* src, std::int64_t p, float* dst, std::int64_t step = kLanes) {
    __m128 r0 = _mm_loadu_ps(reinterpret_cast<const float*>(src[0]) + p);
    __m128 r1 = _mm_loadu_ps(reinterpret_cast<const float*>(src[1]) + p);
    __m128 r2 = _mm_loadu_ps(reinterpret_cast<const float*>(src[2]) + p);
    __m128 r3 = _mm_loadu_ps(reinterpret_cast<const float*>(src[3]) + p);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(dst, r0);
    _mm_storeu_ps(dst + step, r1);
    _mm_storeu_ps(dst + 2 * step, r2);
    _mm_storeu_ps(dst + 3 * step, r3);
}

inline void transpose_block(const unsigned char* const* src, std::int64_t p, double* dst, std::int64_t step = kLanes) {
    const __m128d a = _mm_loadu_pd(reinterpret_cast<const double*>(src[0]) + p);
    const __m128d b = _mm_loadu_pd(reinterpret_cast<const double*>(src[1]) + p);
    _mm_storeu_pd(dst, _mm_unpacklo_pd(a, b));
    _mm_storeu_pd(dst + step, _mm_unpackhi_pd(a, b));
}

// Returns false (nothing done) unless E is T (float or double) and rows are contiguous.
template <class E, class T>
bool gather_lanes_transposed(const unsigned char* const* origins, const TileSource& s, T* buf) {
    if constexpr (!std::is_same_v<E, T>) {
        return false;
    } else {
        constexpr std::int64_t block = 16 / sizeof(T);  // lanes (and positions) per register block
        const std::int64_t C = s.channels, run = s.width * C, es = sizeof(T);
        if (!(s.s_x == C * es && (C == 1 || s.s_channel == es))) return false;
        // A tile stored whole (rows back to back) is one row of all its values, so a tiny
        // tile (3x3) still fills whole register blocks.
        const bool whole = s.s_y == run * es;
        const std::int64_t height = whole ? 1 : s.height, len = whole ? s.height * run : run;
        const unsigned char* rows[kLanes];
        for (std::int64_t y = 0; y < height; ++y) {
            for (int k = 0; k < kLanes; ++k) rows[k] = origins[k] + y * s.s_y;
            T* dst = buf + y * len * kLanes;
            std::int64_t p = 0;
            for (; p + block <= len; p += block)
                for (int q = 0; q < kLanes; q += static_cast<int>(block)) transpose_block(rows + q, p, dst + p * kLanes + q);
            for (; p < len; ++p)
                for (int k = 0; k < kLanes; ++k) dst[p * kLanes + k] = load_unaligned<T>(rows[k] + p * es);
        }
        return true;
    }
}

// kLanes float (or double) tiles stored as channel planes whose rows are contiguous (an
// oihw bank of RGB filters): each plane row is transposed in register blocks into every
// C-th position, instead of C * h * w scattered loads per lane. Returns false (nothing
// done) for other tiles.
template <class E, class T>
bool gather_lanes_planar(const unsigned char* const* origins, const TileSource& s, T* buf) {
    if constexpr (!std::is_same_v<E, T>) {
        return false;
    } else {
        constexpr std::int64_t block = 16 / sizeof(T);
        const std::int64_t C = s.channels, w = s.width, es = sizeof(T), step = C * kLanes;
        if (C == 1 || s.s_x != es) return false;
        const unsigned char* rows[kLanes];
        for (std::int64_t y = 0; y < s.height; ++y)
            for (std::int64_t c = 0; c < C; ++c) {
                for (int k = 0; k < kLanes; ++k) rows[k] = origins[k] + y * s.s_y + c * s.s_channel;
                T* dst = buf + (y * w * C + c) * kLanes;
                std::int64_t x = 0;
                for (; x + block <= w; x += block)
                    for (int q = 0; q < kLanes; q += static_cast<int>(block)) transpose_block(rows + q, x, dst + x * step + q, step);
                for (; x < w; ++x)
                    for (int k = 0; k < kLanes; ++k) dst[x * step + k] = load_unaligned<T>(rows[k] + x * es);
            }
        return true;
    }
}
#endif

// Whether a batch's sixteen float tiles are nine gray values each, stored back to back
// in reading order (3x3 kernels of an oihw bank): HotLoops::gather_nine_lanes_f32.
template <class E, class T>
bool nine_back_to_back(std::int64_t lane_stride, const TileSource& s, bool mean) {
    if constexpr (!std::is_same_v<E, float> || !std::is_same_v<T, float>) {
        return false;
    } else {
        constexpr std::int64_t es = sizeof(float);
        return !mean && s.channels == 1 && s.height * s.width == 9 && lane_stride == 9 * es && s.s_x == es &&
               s.s_y == s.width * es;
    }
}

// The longest stretch of a batch's tiles whose later lines the gather asks for (a few
// lines for 3x3 tiles; beyond that the hardware prefetcher follows the stream).
constexpr std::int64_t kMaxPrefetchSpan = 4096;

// kLanes tiles side by side: buf[pos * kLanes + lane], positions in (y, x, c) order.
// When the tiles sit one element apart (consecutive columns of a "cols" bank, or
// consecutive output filters of an HWIO kernel), each position is one contiguous
// run: every cache line of the bank is read once, whole.
// lane_stride: bytes between consecutive lanes when constant, else 0 (origins then
// gives each lane's tile). ahead: bytes from this batch to one read a little later by
// the same thread (0: unknown). When the lanes are adjacent, each position is one cache
// line far from the others (a "cols" row is a whole row of the bank): each is a miss of
// its own that no hardware prefetcher foresees, so the later batch's line is fetched now.
template <class E, class T>
void gather_lanes(const unsigned char* const* origins, std::int64_t lane_stride, std::int64_t ahead,
                  const TileSource& s, bool mean, T* buf, const HotLoops& loops) {
    const std::int64_t C = s.channels, h = s.height, w = s.width;
    const bool adjacent = lane_stride == static_cast<std::int64_t>(sizeof(E));
    // Tiles a constant stride apart (an oihw bank's inner tiles) are one stretch of
    // memory per batch, the next batches' stretches following it. Asking for the later
    // batch's lines now: T (3x3 tiles, bank and mosaic out of cache) 1.21-1.26 ->
    // 1.03-1.09 ms, paired medians on two threads.
    if (ahead && lane_stride > 0 && !adjacent && kLanes * lane_stride <= kMaxPrefetchSpan)
        for (std::int64_t b = 0; b < kLanes * lane_stride; b += 64) prefetch_past(origins[0], ahead + b);
    if (nine_back_to_back<E, T>(lane_stride, s, mean) && loops.gather_nine_lanes_f32)
        return loops.gather_nine_lanes_f32(reinterpret_cast<const float*>(origins[0]), reinterpret_cast<float*>(buf));
#if defined(__SSE2__)
    if (!adjacent && !mean &&
        (gather_lanes_transposed<E, T>(origins, s, buf) || gather_lanes_planar<E, T>(origins, s, buf)))
        return;
#endif
    std::int64_t pos = 0;
    for (std::int64_t y = 0; y < h; ++y) {
        for (std::int64_t x = 0; x < w; ++x) {
            const std::int64_t px = y * s.s_y + x * s.s_x;
            if (mean) {
                for (int k = 0; k < kLanes; ++k)
                    buf[pos * kLanes + k] = channel_mean<E, T>(origins[k] + px, C, s.s_channel);
                ++pos;
                continue;
            }
            for (std::int64_t c = 0; c < C; ++c, ++pos) {
                const std::int64_t off = px + c * s.s_channel;
                T* dst = buf + pos * kLanes;
                if (adjacent) {
                    if (ahead) prefetch_past(origins[0] + off, ahead);
                    convert_run<E, T>(origins[0] + off, kLanes, dst, loops);
                } else if (lane_stride) {
                    const unsigned char* src = origins[0] + off;
                    for (int k = 0; k < kLanes; ++k, src += lane_stride) dst[k] = to_compute<T>(load_unaligned<E>(src));
                } else {
                    for (int k = 0; k < kLanes; ++k) dst[k] = to_compute<T>(load_unaligned<E>(origins[k] + off));
                }
            }
        }
    }
}

}  // namespace fasttile
