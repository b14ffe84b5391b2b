// Portable reference implementation of the hot loops; also the fallback path.
#include <cmath>
#include <cstring>

#include "element.hpp"
#include "gather.hpp"
#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class T>
std::int64_t minmax_scalar(const T* x, std::int64_t n, T* lo, T* hi) {
    T l = *lo, h = *hi;
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const T v = x[i];
        if (std::isfinite(v)) {
            l = v < l ? v : l;
            h = v > h ? v : h;
        } else {
            ++bad;
        }
    }
    *lo = l;
    *hi = h;
    return bad;
}

template <class T>
void quantize_scalar(const T* x, std::int64_t n, const Affine<T>& p, unsigned char* q) {
    for (std::int64_t i = 0; i < n; ++i) q[i] = quantize_one(x[i], p);
}

template <class T>
void minmax_lanes_scalar(const T* x, std::int64_t n, T* lo, T* hi, std::int64_t* bad) {
    for (int k = 0; k < kLanes; ++k) {
        lo[k] = std::numeric_limits<T>::infinity();
        hi[k] = -std::numeric_limits<T>::infinity();
        bad[k] = 0;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < kLanes; ++k) {
            const T v = x[i * kLanes + k];
            if (std::isfinite(v)) {
                lo[k] = v < lo[k] ? v : lo[k];
                hi[k] = v > hi[k] ? v : hi[k];
            } else {
                ++bad[k];
            }
        }
    }
}

template <class T>
void quantize_lanes_scalar(const T* x, std::int64_t n, const LaneAffines<T>& p, unsigned char* q) {
    Affine<T> lane[kLanes];
    for (int k = 0; k < kLanes; ++k) lane[k] = p.get(k);
    for (std::int64_t i = 0; i < n; ++i)
        for (int k = 0; k < kLanes; ++k) q[i * kLanes + k] = quantize_one(x[i * kLanes + k], lane[k]);
}

void widen_f16_scalar(const unsigned char* src, std::int64_t n, float* dst) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = half_to_float(load_unaligned<std::uint16_t>(src + 2 * i));
}

void widen_bf16_scalar(const unsigned char* src, std::int64_t n, float* dst) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(load_unaligned<std::uint16_t>(src + 2 * i));
}

// Byte by byte, from the tables' meaning: the reference the lookup paths must equal.
void lane_rows_scalar(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out,
                      std::int64_t out_stride) {
    for (std::int64_t y = 0; y < rows; ++y, levels += plan.run * kLanes, out += out_stride)
        for (std::int64_t byte = 0; byte < plan.row_bytes(); ++byte) {
            const std::int64_t lane = byte / plan.unit, at = byte % plan.unit;
            out[byte] = at < plan.run ? levels[at * kLanes + lane] : plan.pad[static_cast<std::size_t>(byte)];
        }
}

void lane_squares_scalar(const float* x, std::int64_t n, int batches, std::int64_t batch_stride, double* sq) {
    for (int g = 0; g < batches; ++g) lane_squares_portable(x + g * batch_stride, n, sq + g * kLanes);
}

void slot_squares_scalar(const float* x, std::int64_t n, std::int64_t period, double* acc) {
    slot_squares_portable(x, n, period, acc);
}

void run_squares_scalar(const float* x, std::int64_t n, double* sq) {
    for (std::int64_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(x[i]);
        sq[i] += d * d;
    }
}

// Units of a strip without vectors: eight chains of adds side by side.
constexpr int kScalarStripUnits = 8;
static_assert(kScalarStripUnits <= kMaxShortStrip, "the short-tile norms keep kMaxShortStrip row pointers");

void squares_scalar(const float* x, std::int64_t n, double* sq) {
    for (std::int64_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(x[i]);
        sq[i] = d * d;
    }
}

// Each lane's range; false when a value is not finite.
bool finite_lane_ranges(const float* x, std::int64_t n, float* lo, float* hi) {
    std::int64_t bad[kLanes];
    minmax_lanes_scalar<float>(x, n, lo, hi, bad);
    for (int k = 0; k < kLanes; ++k)
        if (bad[k]) return false;
    return true;
}

bool range_lanes_scalar(const float* x, std::int64_t n, unsigned char* q) {
    float lo[kLanes], hi[kLanes];
    if (!finite_lane_ranges(x, n, lo, hi)) return false;
    LaneAffines<float> maps;
    range_affines<float>(lo, hi, &maps);
    quantize_lanes_scalar<float>(x, n, maps, q);
    return true;
}

bool fixed_lanes_scalar(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q) {
    float lo[kLanes], hi[kLanes];
    if (!finite_lane_ranges(x, n, lo, hi)) return false;
    for (int k = 0; k < kLanes; ++k)
        if (!(p.lo <= lo[k] && hi[k] <= p.hi)) return false;
    quantize_scalar<float>(x, n * kLanes, p, q);
    return true;
}

void lane_finite_sums_scalar(const float* x, std::int64_t n, const double* shift, double* sq, double* d1, double* d2,
                             double* count) {
    for (int k = 0; k < kLanes; ++k) {
        double s2 = 0.0, a1 = 0.0, a2 = 0.0, cnt = 0.0;
        for (std::int64_t slot = 0; slot < filled_slots(n); ++slot) {
            double t2 = 0.0, b1 = 0.0, b2 = 0.0, tc = 0.0;
            for (std::int64_t i = slot; i < n; i += kSlots) {
                const double raw = static_cast<double>(x[i * kLanes + k]);
                const bool finite = std::isfinite(raw);
                const double d = finite ? raw : 0.0, e = finite ? d - shift[k] : 0.0;
                t2 += d * d;
                b1 += e;
                b2 += e * e;
                tc += finite ? 1.0 : 0.0;
            }
            s2 += t2, a1 += b1, a2 += b2, cnt += tc;
        }
        sq[k] = s2, d1[k] = a1, d2[k] = a2, count[k] = cnt;
    }
}

}  // namespace

void interleave_rgb_portable(const unsigned char* red, std::int64_t plane_stride, std::int64_t n, float* out) {
    interleave_rgb(red, plane_stride, n, out);
}

const HotLoops& scalar_loops() {
    static const HotLoops loops{
        .name = "scalar",
        .minmax_f32 = minmax_scalar<float>,
        .minmax_f64 = minmax_scalar<double>,
        .quantize_f32 = quantize_scalar<float>,
        .quantize_f64 = quantize_scalar<double>,
        .quantize_inrange_f32 = quantize_scalar<float>,
        .quantize_first_read_f32 = quantize_scalar<float>,
        .minmax_lanes_f32 = minmax_lanes_scalar<float>,
        .minmax_lanes_f64 = minmax_lanes_scalar<double>,
        .range_affines_f32 = range_affines<float>,
        .symmetric_affines_f32 = symmetric_affines<float>,
        .quantize_lanes_f32 = quantize_lanes_scalar<float>,
        .quantize_lanes_f64 = quantize_lanes_scalar<double>,
        .quantize_lanes_inrange_f32 = quantize_lanes_scalar<float>,
        .range_lanes_f32 = range_lanes_scalar,
        .fixed_lanes_f32 = fixed_lanes_scalar,
        .widen_f16 = widen_f16_scalar,
        .widen_bf16 = widen_bf16_scalar,
        .interleave_planes3 = nullptr,  // the float gather interleaves instead
        .interleave_rgb_f32 = interleave_rgb_portable,
        .lane_rows = lane_rows_scalar,
        .lane_squares_f32 = lane_squares_scalar,
        .slot_squares_f32 = slot_squares_scalar,
        .run_squares_f32 = run_squares_scalar,
        .squares_f32 = squares_scalar,
        .strip_norms_f32 = strip_norms_portable<kScalarStripUnits>,
        .strip_units = kScalarStripUnits,
        .short_strip_norms_f32 = short_strip_norms_portable<kScalarStripUnits>,
        .short_strip_units = kScalarStripUnits,
        .lane_finite_sums_f32 = lane_finite_sums_scalar,
        .gather_nine_lanes_f32 = nullptr,
        .plane_slot_squares_f32 = nullptr,
    };
    return loops;
}

}  // namespace fasttile
