// 16-byte table lookups for the lane-row layout (lane_rows_loops.hpp) on x86: SSSE3's
// pshufb, which the AVX2 and AVX-512 regions include. Their float traits inherit this;
// included inside each target region, with internal linkage, like the loops.
#pragma once

#include <immintrin.h>

namespace fasttile {
namespace {

struct PshufbBytes {
    static constexpr bool has_byte_lookup = true;
    static constexpr bool has_wide_lookup = false;
    static constexpr bool has_pair_lookup = false;
    using Bytes = __m128i;
    static Bytes load_bytes(const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static void store_bytes(unsigned char* p, Bytes v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static Bytes or_bytes(Bytes a, Bytes b) { return _mm_or_si128(a, b); }
    static Bytes lookup(Bytes table, Bytes index) { return _mm_shuffle_epi8(table, index); }  // 0 where index < 0
};

// AVX2's 32-byte vpshufb looks up each 16-byte half in its own half of the table, so
// one position's sixteen levels broadcast to both halves give two output chunks per
// lookup (lane_rows_loops.hpp). Used only by the AVX2 region's traits.
struct PairBytes : PshufbBytes {
    static constexpr bool has_pair_lookup = true;
    using Pair = __m256i;
    static Pair broadcast_pair(const unsigned char* p) {
        return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static Pair load_pair(const unsigned char* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static Pair or_pair(Pair a, Pair b) { return _mm256_or_si256(a, b); }
    static Pair lookup_pair(Pair table, Pair index) { return _mm256_shuffle_epi8(table, index); }
    // The whole 32 bytes, or the first 16 only (a row of an odd number of chunks).
    static void store_pair(unsigned char* p, Pair v, bool whole) {
        if (whole)
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
        else
            _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(v));
    }
};

}  // namespace
}  // namespace fasttile
