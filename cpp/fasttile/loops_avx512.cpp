// AVX-512 (F) hot loops, in their own target region like the AVX2 ones. A zmm
// register holds exactly one across-tile position (16 float lanes). The float64
// quantizers reuse the AVX2 table: every AVX-512 CPU runs AVX2, and the bytes are
// the same on every path.
#if defined(__x86_64__) || defined(_M_X64)
// GCC 12's own avx512fintrin.h trips -Wmaybe-uninitialized on its "undefined
// vector" idiom (__m512 __Y = __Y;), fixed in GCC 13; not a problem in this file.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "hot_loops.hpp"

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,f16c")

namespace fasttile {
namespace {

// The vector operations the min/max loops need (see minmax_loops.hpp).
template <class T>
struct Vec;

template <>
struct Vec<float> {
    using V = __m512;
    static constexpr int width = 16;
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static V set1(float v) { return _mm512_set1_ps(v); }
    static V zero() { return _mm512_setzero_ps(); }
    static V min(V a, V b) { return _mm512_min_ps(a, b); }
    static V max(V a, V b) { return _mm512_max_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
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
};

template <>
struct Vec<double> {
    using V = __m512d;
    static constexpr int width = 8;
    static V load(const double* p) { return _mm512_loadu_pd(p); }
    static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
    static V set1(double v) { return _mm512_set1_pd(v); }
    static V zero() { return _mm512_setzero_pd(); }
    static V min(V a, V b) { return _mm512_min_pd(a, b); }
    static V max(V a, V b) { return _mm512_max_pd(a, b); }
    static V sub(V a, V b) { return _mm512_sub_pd(a, b); }
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
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"  // inside the target region: AVX-512 copies of the loops

namespace fasttile {
namespace {

// 16 levels -> 16 bytes. Separate multiply and add (no FMA): the pixel rule forbids
// contraction. Levels are clamped to 0..255 as floats first, so the unsigned
// saturating narrow only ever sees 0..255 (the clamp-free form is used for values
// known finite and in range, whose levels already lie in 0..255).
template <bool Clamp>
__m128i levels16(__m512 v, __m512 lo, __m512 hi, __m512 a, __m512 b, __m512 s, __m512 c) {
    if (Clamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    v = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_mul_ps(v, a), b), s), c);
    if (Clamp) v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
    return _mm512_cvtusepi32_epi8(_mm512_cvttps_epi32(v));
}

template <bool Clamp>
void quantize_f32_impl(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const __m512 lo = _mm512_set1_ps(p.lo), hi = _mm512_set1_ps(p.hi), a = _mm512_set1_ps(p.a),
                 b = _mm512_set1_ps(p.b), s = _mm512_set1_ps(p.s), c = _mm512_set1_ps(p.c);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), levels16<Clamp>(_mm512_loadu_ps(x + i), lo, hi, a, b, s, c));
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

void quantize_f32_avx512(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    quantize_f32_impl<true>(x, n, p, q);
}

void quantize_inrange_f32_avx512(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    quantize_f32_impl<false>(x, n, p, q);
}

// Across-tile quantization: one position is one zmm of 16 lanes, each its own tile.
void quantize_lanes_f32_avx512(const float* x, std::int64_t n, const Affine<float>* p, unsigned char* q) {
    alignas(64) float field[6][16];
    for (int k = 0; k < 16; ++k) {
        field[0][k] = p[k].lo;
        field[1][k] = p[k].hi;
        field[2][k] = p[k].a;
        field[3][k] = p[k].b;
        field[4][k] = p[k].s;
        field[5][k] = p[k].c;
    }
    const __m512 lo = _mm512_load_ps(field[0]), hi = _mm512_load_ps(field[1]), a = _mm512_load_ps(field[2]),
                 b = _mm512_load_ps(field[3]), s = _mm512_load_ps(field[4]), c = _mm512_load_ps(field[5]);
    for (std::int64_t i = 0; i < n; ++i)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i * 16),
                         levels16<true>(_mm512_loadu_ps(x + i * 16), lo, hi, a, b, s, c));
}

void widen_f16_avx512(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 2 * i))));
    scalar_loops().widen_f16(src + 2 * i, n - i, dst + i);
}

void widen_bf16_avx512(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i words = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 2 * i)));
        _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(_mm512_slli_epi32(words, 16)));
    }
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

}  // namespace
}  // namespace fasttile

#pragma GCC pop_options

namespace fasttile {

// Outside the target region: building the table must run on any CPU.
const HotLoops& avx512_loops() {
    static const HotLoops loops{"avx512",
                                minmax<Vec<float>, float>,
                                minmax<Vec<double>, double>,
                                quantize_f32_avx512,
                                avx2_loops().quantize_f64,
                                quantize_inrange_f32_avx512,
                                minmax_lanes<Vec<float>, float>,
                                minmax_lanes<Vec<double>, double>,
                                quantize_lanes_f32_avx512,
                                avx2_loops().quantize_lanes_f64,
                                widen_f16_avx512,
                                widen_bf16_avx512};
    return loops;
}

}  // namespace fasttile
#endif
