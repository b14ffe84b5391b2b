// fasttile's kernel: pure C++, no Python. It reads a strided view of the caller's
// weights and writes the uint8 mosaic straight into a caller-provided buffer.
//
// The view is two-level in its tile index so that "one tile per (filter, input
// channel)" works for any layout: display tile t draws from
//     outer unit  u = indices ? indices[t / n_inner] : t / n_inner
//     inner index i = t % n_inner
// and its element (c, y, x) lives at
//     origin + u*s_outer + i*s_inner + c*s_channel + y*s_y + x*s_x   (byte strides)
// The kernel knows nothing about layouts; Python reduces every layout to this
// (docs/design.md, section 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "element.hpp"

namespace fasttile {

struct TileSource {
    const unsigned char* origin;  // element (0, 0, 0, 0, 0)
    ElemType type;
    // Bytes the kernel may read: [readable_begin, readable_end). Every element the
    // view and the indices reach is checked against this before anything is read.
    const unsigned char* readable_begin;
    const unsigned char* readable_end;
    std::int64_t n_outer, n_inner, channels, height, width;
    std::int64_t s_outer, s_inner, s_channel, s_y, s_x;  // bytes, any sign
    const std::int64_t* indices;  // optional selection of outer units (may be null)
    std::int64_t n_indices;       // units shown when indices is set
    bool channel_mean;            // average the channels into one gray tile
};

enum class NormMode { tile_range, tile_symmetric, fixed_range, fixed_symmetric };

struct Normalization {
    NormMode mode;
    double lo, hi;  // fixed_range: the range; fixed_symmetric: hi is max |x|
    // A fixed map from a range scan of these same values that met no non-finite one
    // (normalize="global"): every value is finite and inside it, so no tile is ranged
    // again and every level skips the clamps (docs/design.md, section 4).
    bool scanned = false;
};

struct Mosaic {
    std::int64_t nrows, ncols;
    bool column_fill;  // fill column by column instead of row by row
    std::int64_t padding, zoom;
    unsigned char pad_value[3];
    const unsigned char* lut;  // 256 RGB triples for gray tiles, or null
    bool mark_nonfinite;       // paint non-finite pixels with `marker`
    unsigned char marker[3];
};

struct Output {
    unsigned char* data;
    std::int64_t height, width, channels;  // channels 1 or 3, interleaved
    std::int64_t row_stride;               // bytes between rows
};

// How many non-finite values were seen and the first few display tiles holding
// them (ascending). When mark_nonfinite is off and any were seen, the kernel stops
// writing tiles early (the caller raises); the count still covers the whole bank.
struct NonFinite {
    std::int64_t count = 0;
    std::vector<std::int64_t> tiles;
};

constexpr std::size_t kReportedBadTiles = 16;

std::int64_t tile_count(const TileSource& src);
// Throws std::invalid_argument / std::out_of_range / std::overflow_error unless
// every element the view (and its indices) reaches lies in the readable bytes.
void check_source(const TileSource& src);
// Mosaic size, checked for overflow (std::overflow_error).
void mosaic_shape(const TileSource& src, const Mosaic& m, std::int64_t* height, std::int64_t* width);

NonFinite render(const TileSource& src, const Normalization& norm, const Mosaic& mosaic, const Output& out,
                 int threads);

struct Range {
    double lo, hi;  // over finite values; lo > hi when none is finite
    NonFinite nonfinite;
};
// Range over every shown tile (for the "global" normalizations).
Range scan_range(const TileSource& src, int threads);

// Squared L2 norm of each shown outer unit (all its inner tiles and channels), in
// double: each tile in slot order (slot_sums.hpp: its values in (y, x, channel) order
// dealt into 64 slots, the slots added in order), then the tiles' sums from 0.0 in
// inner order (the NumPy backend adds in the same order).
std::vector<double> unit_sq_norms(const TileSource& src, int threads);

// Statistics of each shown outer unit over all its inner tiles and channels, in
// double and over its finite values: kUnitStats values per unit, row-major. Sums
// add in the order unit_sq_norms uses; the mean and variance come from sums shifted
// by the unit's first value (when finite). Min, max, mean and variance are NaN when
// no value is finite.
enum UnitStat { kStatSumSq, kStatMean, kStatVariance, kStatMin, kStatMax, kStatNonFinite, kUnitStats };
std::vector<double> unit_stats(const TileSource& src, int threads);

}  // namespace fasttile
