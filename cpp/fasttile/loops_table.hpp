// The hot-loop table of one instruction set, from its traits. Included after the
// target region closes: building the table must run on any CPU, and the field names
// (designated initializers) keep two entries of one type from being swapped silently.
#pragma once

#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class F, class D>
HotLoops make_loops(const char* name) {
    static_assert(D::block <= kMaxShortStrip, "the short-tile norms keep kMaxShortStrip row pointers");
    return HotLoops{
        .name = name,
        .minmax_f32 = minmax<F, float>,
        .minmax_f64 = minmax<D, double>,
        .quantize_f32 = quantize<F, float, true>,
        .quantize_f64 = quantize<D, double, true>,
        .quantize_inrange_f32 = quantize<F, float, false>,
        .quantize_first_read_f32 = quantize<F, float, false, true>,
        .minmax_lanes_f32 = minmax_lanes<F, float>,
        .minmax_lanes_f64 = minmax_lanes<D, double>,
        .range_affines_f32 = lane_range_affines<F>,
        .symmetric_affines_f32 = lane_symmetric_affines<F>,
        .quantize_lanes_f32 = quantize_lanes<F, float, true>,
        .quantize_lanes_f64 = quantize_lanes<D, double, true>,
        .quantize_lanes_inrange_f32 = quantize_lanes<F, float, false>,
        .range_lanes_f32 = range_lanes<F>,
        .fixed_lanes_f32 = fixed_lanes<F>,
        .widen_f16 = widen_f16<F>,
        .widen_bf16 = widen_bf16<F>,
        .interleave_planes3 = interleave_planes3_or_null<F>(),
        .interleave_rgb_f32 = interleave_rgb_portable,
        .lane_rows = lane_rows<F>,
        .lane_squares_f32 = lane_squares<D>,
        .slot_squares_f32 = slot_squares<D>,
        .run_squares_f32 = run_squares<D>,
        .squares_f32 = squares<D>,
        .strip_norms_f32 = strip_norms<D>,
        .strip_units = strip_vectors<D>() * D::width,
        .short_strip_norms_f32 = short_strip_norms<D>,
        .short_strip_units = D::block,
        .lane_finite_sums_f32 = lane_finite_sums<D>,
        .gather_nine_lanes_f32 = nullptr,
        .plane_slot_squares_f32 = nullptr,
    };
}

}  // namespace
}  // namespace fasttile
