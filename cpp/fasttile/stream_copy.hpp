// Copying finished mosaic rows out with non-temporal stores: the destination's
// cache lines are written whole, so the CPU need not read them from memory first
// (a partial-line write costs a read plus a write). SSE2 is the x86-64 baseline,
// so no target region is needed; elsewhere this is memcpy.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace fasttile {

inline void stream_copy(unsigned char* dst, const unsigned char* src, std::int64_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    if (n >= 256) {
        const std::int64_t head = static_cast<std::int64_t>((16 - reinterpret_cast<std::uintptr_t>(dst) % 16) % 16);
        std::memcpy(dst, src, static_cast<std::size_t>(head));
        std::int64_t i = head;
        for (; i + 64 <= n; i += 64) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 16));
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 32));
            const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 48));
            _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i), a);
            _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 16), b);
            _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 32), c);
            _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + 48), d);
        }
        std::memcpy(dst + i, src + i, static_cast<std::size_t>(n - i));
        return;
    }
#endif
    std::memcpy(dst, src, static_cast<std::size_t>(n));
}

// dst[0, n) = src[0, n) with non-temporal stores for the whole 64-byte lines of the
// destination only, and plain stores for the partial lines at its ends: a line
// streamed in part is merged in memory, and another writer (the next cells' rows) may
// own the rest of it.
inline void stream_lines(unsigned char* dst, const unsigned char* src, std::int64_t n) {
#if defined(__x86_64__) || defined(_M_X64)
    const std::int64_t head = static_cast<std::int64_t>((64 - reinterpret_cast<std::uintptr_t>(dst) % 64) % 64);
    if (n >= head + 64) {
        std::memcpy(dst, src, static_cast<std::size_t>(head));
        std::int64_t i = head;
        for (; i + 64 <= n; i += 64)
            for (int k = 0; k < 64; k += 16)
                _mm_stream_si128(reinterpret_cast<__m128i*>(dst + i + k),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + k)));
        std::memcpy(dst + i, src + i, static_cast<std::size_t>(n - i));
        return;
    }
#endif
    std::memcpy(dst, src, static_cast<std::size_t>(n));
}

// Orders the streaming stores before anything that follows (the caller reads the
// mosaic once the threads have joined).
inline void stream_fence() {
#if defined(__x86_64__) || defined(_M_X64)
    _mm_sfence();
#endif
}

}  // namespace fasttile
