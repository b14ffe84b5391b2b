// NEON hot loops for arm64 (Advanced SIMD is part of the armv8-a baseline, so no
// target region is needed). This file is its vector traits, float and double alike;
// the loops are minmax_loops.hpp and quantize_loops.hpp. Built with -ffp-contract=off
// like everything else, so multiply and add are never fused into FMLA.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

// Four vectors of int32 levels -> 16 bytes, saturating like packs/packus on x86.
inline uint8x16_t narrow(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
    const int16x8_t ab = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
    const int16x8_t cd = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
    return vcombine_u8(vqmovun_s16(ab), vqmovun_s16(cd));
}

template <class T>
struct Vec;

template <>
struct Vec<float> {
    using V = float32x4_t;
    static constexpr int width = 4;
    static V load(const float* p) { return vld1q_f32(p); }
    static void store(float* p, V v) { vst1q_f32(p, v); }
    static V set1(float v) { return vdupq_n_f32(v); }
    static V zero() { return vdupq_n_f32(0.0f); }
    static V min(V a, V b) { return vminq_f32(a, b); }
    static V max(V a, V b) { return vmaxq_f32(a, b); }
    static V sub(V a, V b) { return vsubq_f32(a, b); }
    static V mul(V a, V b) { return vmulq_f32(a, b); }
    static V add(V a, V b) { return vaddq_f32(a, b); }
    static uint32x4_t bits(V v) { return vreinterpretq_u32_f32(v); }
    static V bit_or(V a, V b) { return vreinterpretq_f32_u32(vorrq_u32(bits(a), bits(b))); }
    static bool all_zero(V v) { return vmaxvq_u32(bits(v)) == 0; }
    static V finite(V v) {  // all-ones where |v| < inf: false for inf and NaN
        return vreinterpretq_f32_u32(vcltq_f32(vabsq_f32(v), vdupq_n_f32(__builtin_inff())));
    }
    static V select(V mask, V yes, V no) { return vbslq_f32(bits(mask), yes, no); }
    static int count_false(V mask) { return width - static_cast<int>(vaddvq_u32(vshrq_n_u32(bits(mask), 31))); }
    static std::int64_t scalar(const float* x, std::int64_t n, float* lo, float* hi) {
        return scalar_loops().minmax_f32(x, n, lo, hi);
    }
    using Counter = uint32x4_t;  // mask + 1 is 0 or 1
    static Counter zero_counter() { return vdupq_n_u32(0); }
    static Counter count_not(Counter acc, V mask) { return vaddq_u32(acc, vaddq_u32(bits(mask), vdupq_n_u32(1))); }
    static void add_counts(Counter acc, std::int64_t* out) {
        std::uint32_t c[4];
        vst1q_u32(c, acc);
        for (int k = 0; k < 4; ++k) out[k] += c[k];
    }
    static constexpr int pack = 4;
    static void store_levels(unsigned char* q, const V* v) {  // vcvtq truncates, as cvttps on x86
        vst1q_u8(q, narrow(vcvtq_s32_f32(v[0]), vcvtq_s32_f32(v[1]), vcvtq_s32_f32(v[2]), vcvtq_s32_f32(v[3])));
    }
    // 16-byte table lookups for the lane-row layout (tbl gives 0 for an index >= 16).
    static constexpr bool has_byte_lookup = true;
    static constexpr bool has_wide_lookup = false;
    static constexpr bool has_pair_lookup = false;
    using Bytes = uint8x16_t;
    static Bytes load_bytes(const unsigned char* p) { return vld1q_u8(p); }
    static void store_bytes(unsigned char* p, Bytes v) { vst1q_u8(p, v); }
    static Bytes or_bytes(Bytes a, Bytes b) { return vorrq_u8(a, b); }
    static Bytes lookup(Bytes table, Bytes index) { return vqtbl1q_u8(table, index); }
    static constexpr bool has_f16 = true;
    static V from_f16(const unsigned char* src) {  // byte loads: any alignment
        return vcvt_f32_f16(vreinterpret_f16_u8(vld1_u8(src)));
    }
    static V from_bf16(const unsigned char* src) {
        return vreinterpretq_f32_u32(vshll_n_u16(vreinterpret_u16_u8(vld1_u8(src)), 16));
    }
};

template <>
struct Vec<double> {
    using V = float64x2_t;
    static constexpr int width = 2;
    static V load(const double* p) { return vld1q_f64(p); }
    // width floats widened to double (exact), for the squared-norm sums
    static V from_floats(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }
    // The short-tile norms' transposed reads (slot_sums_loops.hpp): `block` floats
    // from each of `block` rows, at rows[r] + at, widened; value k of row r lands in
    // vector k * (block / width) + r / width, lane r % width.
    static constexpr int block = 4;
    static void widen_columns(const float* const* rows, std::int64_t at, V* columns) {
        // vtrnq pairs rows 0-1 and 2-3 ({a0, b0, a2, b2}, {a1, b1, a3, b3}); the halves
        // then meet.
        const float32x4x2_t top = vtrnq_f32(vld1q_f32(rows[0] + at), vld1q_f32(rows[1] + at));
        const float32x4x2_t bottom = vtrnq_f32(vld1q_f32(rows[2] + at), vld1q_f32(rows[3] + at));
        const float32x4_t c[4] = {vcombine_f32(vget_low_f32(top.val[0]), vget_low_f32(bottom.val[0])),
                                  vcombine_f32(vget_low_f32(top.val[1]), vget_low_f32(bottom.val[1])),
                                  vcombine_f32(vget_high_f32(top.val[0]), vget_high_f32(bottom.val[0])),
                                  vcombine_f32(vget_high_f32(top.val[1]), vget_high_f32(bottom.val[1]))};
        for (int k = 0; k < 4; ++k) {
            columns[2 * k] = vcvt_f64_f32(vget_low_f32(c[k]));
            columns[2 * k + 1] = vcvt_high_f64_f32(c[k]);
        }
    }
    static void store(double* p, V v) { vst1q_f64(p, v); }
    static V set1(double v) { return vdupq_n_f64(v); }
    static V zero() { return vdupq_n_f64(0.0); }
    static V min(V a, V b) { return vminq_f64(a, b); }
    static V max(V a, V b) { return vmaxq_f64(a, b); }
    static V sub(V a, V b) { return vsubq_f64(a, b); }
    static V mul(V a, V b) { return vmulq_f64(a, b); }
    static V add(V a, V b) { return vaddq_f64(a, b); }
    static uint64x2_t bits(V v) { return vreinterpretq_u64_f64(v); }
    static V bit_or(V a, V b) { return vreinterpretq_f64_u64(vorrq_u64(bits(a), bits(b))); }
    static bool all_zero(V v) { return (vgetq_lane_u64(bits(v), 0) | vgetq_lane_u64(bits(v), 1)) == 0; }
    static V finite(V v) { return vreinterpretq_f64_u64(vcltq_f64(vabsq_f64(v), vdupq_n_f64(__builtin_inf()))); }
    static V select(V mask, V yes, V no) { return vbslq_f64(bits(mask), yes, no); }
    static int count_false(V mask) {
        return width - static_cast<int>((vgetq_lane_u64(bits(mask), 0) >> 63) + (vgetq_lane_u64(bits(mask), 1) >> 63));
    }
    static std::int64_t scalar(const double* x, std::int64_t n, double* lo, double* hi) {
        return scalar_loops().minmax_f64(x, n, lo, hi);
    }
    using Counter = uint64x2_t;
    static Counter zero_counter() { return vdupq_n_u64(0); }
    static Counter count_not(Counter acc, V mask) { return vaddq_u64(acc, vaddq_u64(bits(mask), vdupq_n_u64(1))); }
    static void add_counts(Counter acc, std::int64_t* out) {
        out[0] += static_cast<std::int64_t>(vgetq_lane_u64(acc, 0));
        out[1] += static_cast<std::int64_t>(vgetq_lane_u64(acc, 1));
    }
    // Eight vectors (two levels each) -> 16 bytes.
    static constexpr int pack = 8;
    static void store_levels(unsigned char* q, const V* v) {
        int32x4_t quad[4];
        for (int j = 0; j < 4; ++j)
            quad[j] = vcombine_s32(vmovn_s64(vcvtq_s64_f64(v[2 * j])), vmovn_s64(vcvtq_s64_f64(v[2 * j + 1])));
        vst1q_u8(q, narrow(quad[0], quad[1], quad[2], quad[3]));
    }
};

}  // namespace
}  // namespace fasttile

#include "minmax_loops.hpp"    // NEON copies of the loops
#include "quantize_loops.hpp"  // ...
#include "lane_rows_loops.hpp"  // ...
#include "slot_sums_loops.hpp"  // ...
#include "loops_table.hpp"

namespace fasttile {

const HotLoops& neon_loops() {
    static const HotLoops loops = make_loops<Vec<float>, Vec<double>>("neon");
    return loops;
}

}  // namespace fasttile
#endif
