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
    using Bytes = __m128i;
    static Bytes load_bytes(const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static void store_bytes(unsigned char* p, Bytes v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static Bytes or_bytes(Bytes a, Bytes b) { return _mm_or_si128(a, b); }
    static Bytes lookup(Bytes table, Bytes index) { return _mm_shuffle_epi8(table, index); }  // 0 where index < 0
};

}  // namespace
}  // namespace fasttile
