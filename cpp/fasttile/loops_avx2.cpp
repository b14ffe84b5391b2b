// AVX2 + F16C hot loops, compiled inside a target region so that the rest of the
// library stays baseline x86-64. This file is its vector traits; the loops are
// minmax_loops.hpp and quantize_loops.hpp, compiled here inside the region. Tails go
// to the scalar table (another translation unit), which computes the same bytes.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "hot_loops.hpp"

#pragma GCC push_options
#pragma GCC target("avx2,f16c")

#include "byte_lookup_x86.hpp"  // inside the region: pshufb
#include "float_transpose_x86.hpp"

namespace fasttile {
namespace {

// The vector operations the min/max loops need, for float (8 per vector) and
// double (4), so each loop is written once.
template <class T>
struct Vec;

template <>
struct Vec<float> : PairBytes {  // and the byte lookups of byte_lookup_x86.hpp
    using V = __m256;
    static constexpr int width = 8;
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static V set1(float v) { return _mm256_set1_ps(v); }
    static V zero() { return _mm256_setzero_ps(); }
    static V min(V a, V b) { return _mm256_min_ps(a, b); }
    static V max(V a, V b) { return _mm256_max_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V bit_or(V a, V b) { return _mm256_or_ps(a, b); }
    static bool all_zero(V v) { return _mm256_testz_si256(_mm256_castps_si256(v), _mm256_castps_si256(v)); }
    // all-ones where the value is finite (|v| < inf is false for inf and NaN)
    static V finite(V v) {
        const V magnitude = _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
        return _mm256_cmp_ps(magnitude, _mm256_set1_ps(__builtin_inff()), _CMP_LT_OQ);
    }
    static V select(V mask, V yes, V no) { return _mm256_blendv_ps(no, yes, mask); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(mask))); }
    static std::int64_t scalar(const float* x, std::int64_t n, float* lo, float* hi) {
        return scalar_loops().minmax_f32(x, n, lo, hi);
    }
    // Per-lane integer counters of non-finite values: mask + 1 is 0 or 1.
    using Counter = __m256i;
    static Counter zero_counter() { return _mm256_setzero_si256(); }
    static __m256i count_not(__m256i acc, V mask) {
        return _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_castps_si256(mask), _mm256_set1_epi32(1)));
    }
    static void add_counts(__m256i acc, std::int64_t* out) {
        alignas(32) std::int32_t c[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(c), acc);
        for (int k = 0; k < 8; ++k) out[k] += c[k];
    }
    // Four vectors of levels -> 32 bytes; the packs work per 128-bit half, so the
    // dwords are put back in order at the end.
    static constexpr int pack = 4;
    static void store_levels(unsigned char* q, const V* v) {
        const __m256i w0 = _mm256_packs_epi32(_mm256_cvttps_epi32(v[0]), _mm256_cvttps_epi32(v[1]));
        const __m256i w1 = _mm256_packs_epi32(_mm256_cvttps_epi32(v[2]), _mm256_cvttps_epi32(v[3]));
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q),
                            _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w0, w1), order));
    }
    static constexpr bool has_f16 = true;
    static V from_f16(const unsigned char* src) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
    }
    static V from_bf16(const unsigned char* src) {  // bfloat16 bits are a float's top half
        const __m256i words = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(words, 16));
    }
};

template <>
struct Vec<double> {
    using V = __m256d;
    static constexpr int width = 4;
    static V load(const double* p) { return _mm256_loadu_pd(p); }
    // width floats widened to double (exact), for the squared-norm sums
    static V from_floats(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
    // The short-tile norms' transposed reads (slot_sums_loops.hpp): `block` floats
    // from each of `block` rows, at rows[r] + at, widened; value k of row r lands in
    // vector k * (block / width) + r / width, lane r % width.
    static constexpr int block = 8;
    static void widen_columns(const float* const* rows, std::int64_t at, V* columns) {
        __m256 c[8];
        transpose8_floats(rows, at, c);
        for (int k = 0; k < 8; ++k) {
            columns[2 * k] = _mm256_cvtps_pd(_mm256_castps256_ps128(c[k]));
            columns[2 * k + 1] = _mm256_cvtps_pd(_mm256_extractf128_ps(c[k], 1));
        }
    }
    static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
    static V set1(double v) { return _mm256_set1_pd(v); }
    static V zero() { return _mm256_setzero_pd(); }
    static V min(V a, V b) { return _mm256_min_pd(a, b); }
    static V max(V a, V b) { return _mm256_max_pd(a, b); }
    static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
    static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
    static V add(V a, V b) { return _mm256_add_pd(a, b); }
    static V bit_or(V a, V b) { return _mm256_or_pd(a, b); }
    static bool all_zero(V v) { return _mm256_testz_si256(_mm256_castpd_si256(v), _mm256_castpd_si256(v)); }
    static V finite(V v) {
        const V magnitude = _mm256_and_pd(v, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL)));
        return _mm256_cmp_pd(magnitude, _mm256_set1_pd(__builtin_inf()), _CMP_LT_OQ);
    }
    static V select(V mask, V yes, V no) { return _mm256_blendv_pd(no, yes, mask); }
    static int count_false(V mask) { return width - __builtin_popcount(static_cast<unsigned>(_mm256_movemask_pd(mask))); }
    static std::int64_t scalar(const double* x, std::int64_t n, double* lo, double* hi) {
        return scalar_loops().minmax_f64(x, n, lo, hi);
    }
    using Counter = __m256i;
    static Counter zero_counter() { return _mm256_setzero_si256(); }
    static __m256i count_not(__m256i acc, V mask) {
        return _mm256_add_epi64(acc, _mm256_add_epi64(_mm256_castpd_si256(mask), _mm256_set1_epi64x(1)));
    }
    static void add_counts(__m256i acc, std::int64_t* out) {
        alignas(32) std::int64_t c[4];
        _mm256_store_si256(reinterpret_cast<__m256i*>(c), acc);
        for (int k = 0; k < 4; ++k) out[k] += c[k];
    }
    // Four vectors (four levels each) -> 16 bytes.
    static constexpr int pack = 4;
    static void store_levels(unsigned char* q, const V* v) {
        const __m128i w0 = _mm_packs_epi32(_mm256_cvttpd_epi32(v[0]), _mm256_cvttpd_epi32(v[1]));
        const __m128i w1 = _mm_packs_epi32(_mm256_cvttpd_epi32(v[2]), _mm256_cvttpd_epi32(v[3]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm_packus_epi16(w0, w1));
    }
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"    // inside the target region: AVX2 copies of the loops
#include "quantize_loops.hpp"  // ...
#include "lane_rows_loops.hpp"  // ...
#include "slot_sums_loops.hpp"  // ...
#include "rgb_interleave_avx2.hpp"  // ...

#pragma GCC pop_options

#include "loops_table.hpp"  // outside the region: building the table must run on any CPU

namespace fasttile {

const HotLoops& avx2_loops() {
    static const HotLoops loops = [] {
        HotLoops table = make_loops<Vec<float>, Vec<double>>("avx2");
        table.interleave_rgb_f32 = interleave_rgb_avx2;  // eight-lane permutes: AVX2's and AVX-512's
        return table;
    }();
    return loops;
}

}  // namespace fasttile
#endif
