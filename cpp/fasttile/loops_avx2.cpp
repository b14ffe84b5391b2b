// AVX2 + F16C hot loops, compiled inside a target region so that the rest of the
// library stays baseline x86-64. Only intrinsics live inside the region; tails go
// to the scalar table (another translation unit), which computes the same bytes.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

#include "hot_loops.hpp"

#pragma GCC push_options
#pragma GCC target("avx2,f16c")

namespace fasttile {
namespace {

// The vector operations the min/max loops need, for float (8 per vector) and
// double (4), so each loop is written once.
template <class T>
struct Vec;

template <>
struct Vec<float> {
    using V = __m256;
    static constexpr int width = 8;
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static V set1(float v) { return _mm256_set1_ps(v); }
    static V zero() { return _mm256_setzero_ps(); }
    static V min(V a, V b) { return _mm256_min_ps(a, b); }
    static V max(V a, V b) { return _mm256_max_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
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
};

template <>
struct Vec<double> {
    using V = __m256d;
    static constexpr int width = 4;
    static V load(const double* p) { return _mm256_loadu_pd(p); }
    static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
    static V set1(double v) { return _mm256_set1_pd(v); }
    static V zero() { return _mm256_setzero_pd(); }
    static V min(V a, V b) { return _mm256_min_pd(a, b); }
    static V max(V a, V b) { return _mm256_max_pd(a, b); }
    static V sub(V a, V b) { return _mm256_sub_pd(a, b); }
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
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"  // inside the target region: AVX2 copies of the loops

namespace fasttile {
namespace {

struct LevelsF32 {
    __m256 lo, hi, a, b, s, c, zero, top;
    explicit LevelsF32(const Affine<float>& p)
        : lo(_mm256_set1_ps(p.lo)), hi(_mm256_set1_ps(p.hi)), a(_mm256_set1_ps(p.a)), b(_mm256_set1_ps(p.b)),
          s(_mm256_set1_ps(p.s)), c(_mm256_set1_ps(p.c)), zero(_mm256_setzero_ps()), top(_mm256_set1_ps(255.0f)) {}
    // Separate mul and add (no FMA): the pixel rule forbids contraction.
    __m256i operator()(__m256 v) const {
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c);
        return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, zero), top));
    }
};

void quantize_f32_avx2(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const LevelsF32 levels(p);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    std::int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i i0 = levels(_mm256_loadu_ps(x + i)), i1 = levels(_mm256_loadu_ps(x + i + 8));
        const __m256i i2 = levels(_mm256_loadu_ps(x + i + 16)), i3 = levels(_mm256_loadu_ps(x + i + 24));
        // packs work per 128-bit lane; the permute restores element order
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

// For finite values inside [lo, hi] under a tile's own range: the clamps of the
// pixel rule are no-ops there (see hot_loops.hpp), and packus saturates anyway.
void quantize_inrange_f32_avx2(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    const __m256 a = _mm256_set1_ps(p.a), b = _mm256_set1_ps(p.b), s = _mm256_set1_ps(p.s), c = _mm256_set1_ps(p.c);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    auto levels = [&](__m256 v) {
        return _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c));
    };
    std::int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i i0 = levels(_mm256_loadu_ps(x + i)), i1 = levels(_mm256_loadu_ps(x + i + 8));
        const __m256i i2 = levels(_mm256_loadu_ps(x + i + 16)), i3 = levels(_mm256_loadu_ps(x + i + 24));
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), _mm256_permutevar8x32_epi32(bytes, order));
    }
    scalar_loops().quantize_f32(x + i, n - i, p, q + i);
}

void quantize_f64_avx2(const double* x, std::int64_t n, const Affine<double>& p, unsigned char* q) {
    const __m256d lo = _mm256_set1_pd(p.lo), hi = _mm256_set1_pd(p.hi), a = _mm256_set1_pd(p.a),
                  b = _mm256_set1_pd(p.b), s = _mm256_set1_pd(p.s), c = _mm256_set1_pd(p.c),
                  zero = _mm256_setzero_pd(), top = _mm256_set1_pd(255.0);
    auto levels = [&](__m256d v) {
        v = _mm256_min_pd(_mm256_max_pd(v, lo), hi);
        v = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(v, a), b), s), c);
        return _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v, zero), top));  // four int32
    };
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m128i w0 = _mm_packs_epi32(levels(_mm256_loadu_pd(x + i)), levels(_mm256_loadu_pd(x + i + 4)));
        const __m128i w1 = _mm_packs_epi32(levels(_mm256_loadu_pd(x + i + 8)), levels(_mm256_loadu_pd(x + i + 12)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm_packus_epi16(w0, w1));
    }
    scalar_loops().quantize_f64(x + i, n - i, p, q + i);
}

// One parameter of `count` consecutive lanes, gathered into an aligned array.
template <class T>
void lane_values(const Affine<T>* p, int first, int count, T Affine<T>::*field, T* out) {
    for (int k = 0; k < count; ++k) out[k] = p[first + k].*field;
}

struct LaneLevelsF32 {
    __m256 lo, hi, a, b, s, c, zero, top;
    LaneLevelsF32(const Affine<float>* p, int first) : zero(_mm256_setzero_ps()), top(_mm256_set1_ps(255.0f)) {
        alignas(32) float v[8];
        lane_values(p, first, 8, &Affine<float>::lo, v);
        lo = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::hi, v);
        hi = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::a, v);
        a = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::b, v);
        b = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::s, v);
        s = _mm256_load_ps(v);
        lane_values(p, first, 8, &Affine<float>::c, v);
        c = _mm256_load_ps(v);
    }
    __m256i operator()(__m256 v) const {
        v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        v = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(v, a), b), s), c);
        return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(v, zero), top));
    }
};

void quantize_lanes_f32_avx2(const float* x, std::int64_t n, const Affine<float>* p, unsigned char* q) {
    const LaneLevelsF32 first(p, 0), second(p, 8);
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    std::int64_t i = 0;
    for (; i + 2 <= n; i += 2) {  // two positions: 32 values, 32 bytes
        const float* v = x + i * 16;
        const __m256i i0 = first(_mm256_loadu_ps(v)), i1 = second(_mm256_loadu_ps(v + 8));
        const __m256i i2 = first(_mm256_loadu_ps(v + 16)), i3 = second(_mm256_loadu_ps(v + 24));
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i * 16), _mm256_permutevar8x32_epi32(bytes, order));
    }
    if (i < n) scalar_loops().quantize_lanes_f32(x + i * 16, n - i, p, q + i * 16);
}

void quantize_lanes_f64_avx2(const double* x, std::int64_t n, const Affine<double>* p, unsigned char* q) {
    const __m256d zero = _mm256_setzero_pd(), top = _mm256_set1_pd(255.0);
    __m256d lo[4], hi[4], a[4], b[4], s[4], c[4];
    alignas(32) double v[4];
    for (int k = 0; k < 4; ++k) {
        lane_values(p, 4 * k, 4, &Affine<double>::lo, v);
        lo[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::hi, v);
        hi[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::a, v);
        a[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::b, v);
        b[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::s, v);
        s[k] = _mm256_load_pd(v);
        lane_values(p, 4 * k, 4, &Affine<double>::c, v);
        c[k] = _mm256_load_pd(v);
    }
    for (std::int64_t i = 0; i < n; ++i) {
        __m128i words[4];
        for (int k = 0; k < 4; ++k) {
            __m256d v = _mm256_loadu_pd(x + i * 16 + 4 * k);
            v = _mm256_min_pd(_mm256_max_pd(v, lo[k]), hi[k]);
            v = _mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(v, a[k]), b[k]), s[k]), c[k]);
            words[k] = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(v, zero), top));
        }
        const __m128i bytes =
            _mm_packus_epi16(_mm_packs_epi32(words[0], words[1]), _mm_packs_epi32(words[2], words[3]));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i * 16), bytes);
    }
}

void widen_f16_avx2(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i))));
    scalar_loops().widen_f16(src + 2 * i, n - i, dst + i);
}

void widen_bf16_avx2(const unsigned char* src, std::int64_t n, float* dst) {
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i words = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * i)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(words, 16)));
    }
    scalar_loops().widen_bf16(src + 2 * i, n - i, dst + i);
}

}  // namespace
}  // namespace fasttile

#pragma GCC pop_options

namespace fasttile {

// Outside the target region: building the table must run on any CPU.
const HotLoops& avx2_loops() {
    static const HotLoops loops{"avx2",
                                minmax<Vec<float>, float>,
                                minmax<Vec<double>, double>,
                                quantize_f32_avx2,
                                quantize_f64_avx2,
                                quantize_inrange_f32_avx2,
                                minmax_lanes<Vec<float>, float>,
                                minmax_lanes<Vec<double>, double>,
                                quantize_lanes_f32_avx2,
                                quantize_lanes_f64_avx2,
                                widen_f16_avx2,
                                widen_bf16_avx2};
    return loops;
}

}  // namespace fasttile
#endif
