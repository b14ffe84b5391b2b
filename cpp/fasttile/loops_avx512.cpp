// AVX-512 (F and BW) hot loops, in their own target region like the AVX2 ones: this file is
// its vector traits, the loops are minmax_loops.hpp and quantize_loops.hpp. A zmm
// register holds exactly one across-tile position (16 float lanes).
#if defined(__x86_64__) || defined(_M_X64)
// GCC 12's own avx512fintrin.h trips -Wmaybe-uninitialized on its "undefined
// vector" idiom (__m512 __Y = __Y;), fixed in GCC 13; not a problem in this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "hot_loops.hpp"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx2,f16c")

#include "byte_lookup_x86.hpp"  // inside the region: pshufb
#include "float_transpose_x86.hpp"

namespace fasttile {
namespace {

// The vector operations the min/max loops need (see minmax_loops.hpp).
template <class T>
struct Vec;

// AVX-512BW's vpshufb: sixteen-byte tables in each 128-bit lane of a zmm, so a lane
// batch's picture rows are laid out 64 bytes at a time (lane_rows_loops.hpp).
struct WideBytes : PshufbBytes {
    static constexpr bool has_wide_lookup = true;
    using Wide = __m512i;
    static Wide broadcast_bytes(const unsigned char* p) {
        return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static Wide load_wide(const unsigned char* p) { return _mm512_loadu_si512(p); }
    static Wide or_wide(Wide a, Wide b) { return _mm512_or_si512(a, b); }
    static Wide lookup_wide(Wide table, Wide index) { return _mm512_shuffle_epi8(table, index); }
    static void store_wide(unsigned char* p, Wide v, std::int64_t bytes) {
        if (bytes == 64)
            _mm512_storeu_si512(p, v);
        else
            _mm512_mask_storeu_epi8(p, ~std::uint64_t{0} >> (64 - bytes), v);  // 0 < bytes < 64
    }
};

template <>
struct Vec<float> : WideBytes {  // and the byte lookups of byte_lookup_x86.hpp
    using V = __m512;
    static constexpr int width = 16;
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static V set1(float v) { return _mm512_set1_ps(v); }
    static V zero() { return _mm512_setzero_ps(); }
    static V min(V a, V b) { return _mm512_min_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V bit_or(V a, V b) {
        return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
    }
    static bool all_zero(V v) { return _mm512_test_epi32_mask(_mm512_castps_si512(v), _mm512_castps_si512(v)) == 0; }
    // Masks live in k registers; as vectors here (all-ones lanes) so the shared
    // loops can treat every ISA alike.
    static V finite(V v) {
        const __m512 magnitude = _mm512_abs_ps(v);
        const __mmask16 m = _mm512_cmp_ps_mask(magnitude, _mm512_set1_ps(__builtin_inff()), _CMP_LT_OQ);
        return _mm512_castsi512_ps(_mm512_maskz_set1_epi32(m, -1));
    }
    static __mmask16 mask(V m) { return _mm512_test_epi32_mask(_mm512_castps_si512(m), _mm512_castps_si512(m)); }
    static V select(V m, V yes, V no) { return _mm512_mask_blend_ps(mask(m), no, yes); }
    static int count_false(V m) { return width - __builtin_popcount(static_cast<unsigned>(mask(m))); }
    static std::int64_t scalar(const float* x, std::int64_t n, float* lo, float* hi) {
        return scalar_loops().minmax_f32(x, n, lo, hi);
    }
    using Counter = __m512i;
    static Counter zero_counter() { return _mm512_setzero_si512(); }
    static Counter count_not(Counter acc, V m) {  // all-ones + 1 == 0 for finite lanes
        return _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_castps_si512(m), _mm512_set1_epi32(1)));
    }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(64) std::int32_t c[16];
        _mm512_store_si512(c, acc);
        for (int k = 0; k < 16; ++k) out[k] += c[k];
    }
    // One vector of levels -> 16 bytes. Levels are 0..255 by then (clamped, or in
    // range), so the unsigned saturating narrow only ever sees 0..255.
    static constexpr int pack = 1;
    static void store_levels(unsigned char* q, const V* v) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtusepi32_epi8(_mm512_cvttps_epi32(v[0])));
    }
    static constexpr bool has_f16 = true;
    static V from_f16(const unsigned char* src) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
    }
    static V from_bf16(const unsigned char* src) {  // bfloat16 bits are a float's top half
        const __m512i words = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
        return _mm512_castsi512_ps(_mm512_slli_epi32(words, 16));
    }
};

template <>
struct Vec<double> {
    using V = __m512d;
    static constexpr int width = 8;
    static V load(const double* p) { return _mm512_loadu_pd(p); }
    // width floats widened to double (exact), for the squared-norm sums
    static V from_floats(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
    // The short-tile norms' transposed reads (slot_sums_loops.hpp): `block` floats
    // from each of `block` rows, at rows[r] + at, widened; value k of row r lands in
    // vector k * (block / width) + r / width, lane r % width.
    static constexpr int block = 8;
    static void widen_columns(const float* const* rows, std::int64_t at, V* columns) {
        __m256 c[8];
        transpose8_floats(rows, at, c);
        for (int k = 0; k < 8; ++k) columns[k] = _mm512_cvtps_pd(c[k]);
    }
    static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
    static V set1(double v) { return _mm512_set1_pd(v); }
    static V zero() { return _mm512_setzero_pd(); }
    static V min(V a, V b) { return _mm512_min_pd(a, b); }
    static V max(V a, V b) { return _mm512_max_pd(a, b); }
    static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
    static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
    static V add(V a, V b) { return _mm512_add_pd(a, b); }
    static V bit_or(V a, V b) {
        return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
    }
    static bool all_zero(V v) { return _mm512_test_epi64_mask(_mm512_castpd_si512(v), _mm512_castpd_si512(v)) == 0; }
    static V finite(V v) {
        const __m512d magnitude = _mm512_abs_pd(v);
        const __mmask8 m = _mm512_cmp_pd_mask(magnitude, _mm512_set1_pd(__builtin_inf()), _CMP_LT_OQ);
        return _mm512_castsi512_pd(_mm512_maskz_set1_epi64(m, -1));
    }
    static __mmask8 mask(V m) { return _mm512_test_epi64_mask(_mm512_castpd_si512(m), _mm512_castpd_si512(m)); }
    static V select(V m, V yes, V no) { return _mm512_mask_blend_pd(mask(m), no, yes); }
    static int count_false(V m) { return width - __builtin_popcount(static_cast<unsigned>(mask(m))); }
    static std::int64_t scalar(const double* x, std::int64_t n, double* lo, double* hi) {
        return scalar_loops().minmax_f64(x, n, lo, hi);
    }
    using Counter = __m512i;
    static Counter zero_counter() { return _mm512_setzero_si512(); }
    static Counter count_not(Counter acc, V m) {
        return _mm512_add_epi64(acc, _mm512_add_epi64(_mm512_castpd_si512(m), _mm512_set1_epi64(1)));
    }
    static void add_counts(Counter acc, std::int64_t* out) {
        alignas(64) std::int64_t c[8];
        _mm512_store_si512(c, acc);
        for (int k = 0; k < 8; ++k) out[k] += c[k];
    }
    // Two vectors (eight levels each) -> 16 bytes.
    static constexpr int pack = 2;
    static void store_levels(unsigned char* q, const V* v) {
        const __m512i both =
            _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvttpd_epi32(v[0])), _mm512_cvttpd_epi32(v[1]), 1);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtusepi32_epi8(both));
    }
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"    // inside the target region: AVX-512 copies of the loops
#include "quantize_loops.hpp"  // ...
#include "lane_rows_loops.hpp"  // ...
#include "slot_sums_loops.hpp"  // ...
#include "nine_lanes_avx512.hpp"  // ...
#include "plane_squares_avx512.hpp"  // ...
#include "rgb_interleave_avx2.hpp"  // ...

#pragma GCC pop_options

#include "loops_table.hpp"  // outside the region: building the table must run on any CPU

namespace fasttile {

const HotLoops& avx512_loops() {
    static const HotLoops loops = [] {
        HotLoops table = make_loops<Vec<float>, Vec<double>>("avx512");
        table.gather_nine_lanes_f32 = gather_nine_lanes;  // the two-table permutes are AVX-512's alone
        table.plane_slot_squares_f32 = plane_slot_squares;
        table.interleave_rgb_f32 = interleave_rgb_avx2;
        return table;
    }();
    return loops;
}

}  // namespace fasttile
#endif
