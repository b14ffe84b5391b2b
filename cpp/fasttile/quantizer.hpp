// The quantize step between reading and painting: each tile's affine map from its
// range (docs/design.md, section 2) and the hot loop that turns values into levels.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "hot_loops.hpp"
#include "kernel.hpp"
#include "pixel_rule.hpp"

namespace fasttile {

// The affine map of a mode that does not depend on the tile (fixed range or bound).
template <class T>
Affine<T> fixed_affine(const Normalization& norm) {
    if (norm.mode == NormMode::fixed_range) {
        const T lo = static_cast<T>(norm.lo), hi = static_cast<T>(norm.hi);
        if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
            throw std::invalid_argument("the fixed value range must be finite with lo <= hi");
        return range_affine<T>(lo, hi);
    }
    if (norm.mode == NormMode::fixed_symmetric) {
        const T amax = static_cast<T>(norm.hi);
        if (!(std::isfinite(amax) && amax >= T(0)))
            throw std::invalid_argument("the symmetric bound must be finite and not negative");
        return symmetric_affine<T>(amax);
    }
    return constant_affine<T>(T(0));
}

template <class T>
class Quantizer {
public:
    Quantizer(const Normalization& norm, const HotLoops& loops, std::int64_t levels)
        : norm_(norm), loops_(loops), fixed_(fixed_affine<T>(norm)),
          own_range_(norm.mode == NormMode::tile_range || norm.mode == NormMode::tile_symmetric) {
        levels_.resize(static_cast<std::size_t>(levels));
        for (int k = 0; k < kLanes; ++k) lane_maps_.set(k, fixed_);  // kept where the map is fixed
    }

    // A tile's map from its finite range [lo, hi] (empty when lo > hi).
    __attribute__((always_inline)) Affine<T> affine(T lo, T hi) const {
        switch (norm_.mode) {
            case NormMode::tile_range: return range_affine<T>(lo, hi);
            case NormMode::tile_symmetric:
                return lo <= hi ? symmetric_affine<T>(std::max(std::fabs(lo), std::fabs(hi)))
                                : constant_affine<T>(T(0));
            default: return fixed_;
        }
    }

    // Levels of one tile of n values whose finite range is [lo, hi]. A finite tile
    // inside the map's clamp bounds cannot leave them, so the clamps can be skipped:
    // always for a map from its own range, and for a fixed range that holds it. Under
    // a scanned map every tile is inside and none was ranged (lo, hi unused), so a tile
    // used in place is read here for the first time.
    const unsigned char* tile(const T* v, std::int64_t n, const Affine<T>& p, T lo, T hi, bool has_nonfinite) {
        if constexpr (std::is_same_v<T, float>) {
            if (norm_.scanned) {
                loops_.quantize_first_read_f32(v, n, p, levels_.data());
                return levels_.data();
            }
            if (!has_nonfinite && (own_range_ || (p.lo <= lo && hi <= p.hi))) {
                loops_.quantize_inrange_f32(v, n, p, levels_.data());
                return levels_.data();
            }
            loops_.quantize_f32(v, n, p, levels_.data());
        } else {
            loops_.quantize_f64(v, n, p, levels_.data());
        }
        return levels_.data();
    }

    // Levels of a lane batch (positions * kLanes values), each lane mapped by its
    // finite range [lo[k], hi[k]]. A batch of finite values inside every lane's clamp
    // bounds (its own range, or a fixed range holding it) skips the clamps.
    const unsigned char* lanes(const T* v, std::int64_t positions, const T* lo, const T* hi, bool all_finite) {
        if constexpr (std::is_same_v<T, float>) {
            if (norm_.mode == NormMode::tile_range)
                loops_.range_affines_f32(lo, hi, &lane_maps_);
            else if (norm_.mode == NormMode::tile_symmetric)
                loops_.symmetric_affines_f32(lo, hi, &lane_maps_);
        } else if (norm_.mode == NormMode::tile_range) {
            range_affines<T>(lo, hi, &lane_maps_);
        } else if (norm_.mode == NormMode::tile_symmetric) {
            symmetric_affines<T>(lo, hi, &lane_maps_);
        }
        if constexpr (std::is_same_v<T, float>) {
            if (all_finite && (own_range_ || inside_fixed(lo, hi)))
                loops_.quantize_lanes_inrange_f32(v, positions, lane_maps_, levels_.data());
            else
                loops_.quantize_lanes_f32(v, positions, lane_maps_, levels_.data());
        } else
            loops_.quantize_lanes_f64(v, positions, lane_maps_, levels_.data());
        return levels_.data();
    }

    // The levels of a batch whose values are all finite under tile_range, or inside a
    // fixed map, in one call (HotLoops::range_lanes_f32 / fixed_lanes_f32; of its
    // positions only, not the spare one; a scanned map needs no range at all), or null
    // (tile_symmetric, float64, or a value not finite or outside the map: the batch
    // then takes find_range and lanes()).
    const unsigned char* finite_lanes(const T* v, std::int64_t positions) {
        if constexpr (std::is_same_v<T, float>) {
            if (norm_.scanned) {  // finite and inside: no lane's range is needed
                loops_.quantize_inrange_f32(v, positions * kLanes, fixed_, levels_.data());
                return levels_.data();
            }
            if (norm_.mode == NormMode::tile_range) {
                if (loops_.range_lanes_f32(v, positions, levels_.data())) return levels_.data();
            } else if (!own_range_) {
                if (loops_.fixed_lanes_f32(v, positions, fixed_, levels_.data())) return levels_.data();
            }
        }
        return nullptr;
    }

private:
    bool inside_fixed(const T* lo, const T* hi) const {
        bool inside = true;
        for (int k = 0; k < kLanes; ++k) inside &= fixed_.lo <= lo[k] && hi[k] <= fixed_.hi;
        return inside;
    }

    const Normalization& norm_;
    const HotLoops& loops_;
    Affine<T> fixed_;
    bool own_range_;
    std::vector<unsigned char> levels_;
    LaneAffines<T> lane_maps_;
};

}  // namespace fasttile
