// Squared norms across lanes, written once over the double traits D (from_floats
// widens D::width floats, exactly) and compiled per instruction set like the other
// loops. Each lane's sum gets one multiply and one add per position, in position
// order, separately rounded (never fused: the build forbids contraction), so every
// path gives the scalar loop's doubles.
#pragma once

#include <cstdint>

#include "hot_loops.hpp"

namespace fasttile {
namespace {

template <class D>
void lane_squares(const float* x, std::int64_t n, double* sq) {
    constexpr int per_position = kLanes / D::width;
    static_assert(per_position * D::width == kLanes, "whole vectors per position");
    typename D::V acc[per_position];
    for (int j = 0; j < per_position; ++j) acc[j] = D::load(sq + j * D::width);
    for (std::int64_t i = 0; i < n; ++i)
        for (int j = 0; j < per_position; ++j) {
            const auto v = D::from_floats(x + i * kLanes + j * D::width);
            acc[j] = D::add(acc[j], D::mul(v, v));
        }
    for (int j = 0; j < per_position; ++j) D::store(sq + j * D::width, acc[j]);
}

}  // namespace
}  // namespace fasttile
