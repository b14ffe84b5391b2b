// The loops where the time goes, one table per instruction set. The driver in
// render.cpp calls only these for contiguous per-tile buffers; each table is
// compiled in its own target region (see simd_*.cpp) and chosen at run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lane_affines.hpp"
#include "lane_rows.hpp"
#include "lanes.hpp"
#include "pixel_rule.hpp"
#include "slot_sums.hpp"

namespace fasttile {

// How far ahead of its reading a loop that is the first to read a tile from the bank
// (the all-finite min/max of a tile read in place; the half-float widening) asks for
// lines. The hardware prefetcher alone kept one core's stream at half its rate while
// tiles were drawn: L (805 MB of 3072-value rows) rendered in 36.5 ms on two threads,
// 70.6 on one; with lines 4 KB ahead 28.8 and 52.8 ms (paired medians; 2 KB 32.0 ms,
// 8 and 16 KB as 4). Prefetching past a buffer's end never faults.
constexpr std::int64_t kReadAheadBytes = 4096;

// Asks for the line kReadAheadBytes past p. In integers: that address may lie past the
// buffer's end, where no pointer may point, and a prefetch never faults.
inline void prefetch_ahead(const void* p) {
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + kReadAheadBytes));
}

// The same for the line `bytes` past p, for reading or (write) for writing.
inline void prefetch_past(const void* p, std::int64_t bytes) {
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + bytes));
}
inline void prefetch_write_past(const void* p, std::int64_t bytes) {
    __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(p) + bytes), 1);
}

struct HotLoops {
    const char* name;
    // Min and max over the finite values of x[0..n); returns how many were not
    // finite. lo/hi are left untouched where no value is finite.
    std::int64_t (*minmax_f32)(const float* x, std::int64_t n, float* lo, float* hi);
    std::int64_t (*minmax_f64)(const double* x, std::int64_t n, double* lo, double* hi);
    // q[i] = pixel rule applied to x[i]
    void (*quantize_f32)(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q);
    void (*quantize_f64)(const double* x, std::int64_t n, const Affine<double>& p, unsigned char* q);
    // quantize_f32 for values known finite and inside [p.lo, p.hi] (p from the tile's
    // own range or symmetric bound, or a fixed range holding the tile): the rule's
    // clamps are no-ops then (the level stays within what the clamps allow, as at
    // p.lo and p.hi themselves), so a path may skip them.
    void (*quantize_inrange_f32)(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q);
    // quantize_inrange_f32 for values read here for the first time (a tile in place
    // under a scanned map): it asks for the lines ahead as a range pass would.
    void (*quantize_first_read_f32)(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q);
    // Across-tile ("lanes") forms: x holds kLanes tiles interleaved, x[pos * kLanes + lane].
    // Per-lane min/max over finite values and per-lane non-finite counts (lo/hi/bad
    // have kLanes entries, set here: +inf / -inf / 0 for a lane of no finite value; set
    // in whole vectors, since a vector load of lanes just stored one by one waits for
    // the stores: H's render spent a third of its time there), and quantization with
    // per-lane parameters. n is the number of positions.
    void (*minmax_lanes_f32)(const float* x, std::int64_t n, float* lo, float* hi, std::int64_t* bad);
    void (*minmax_lanes_f64)(const double* x, std::int64_t n, double* lo, double* hi, std::int64_t* bad);
    // The maps of tile_range / tile_symmetric for kLanes float lanes from their finite
    // ranges (lane_affines.hpp's range_affines and symmetric_affines, in the
    // instruction set's widest vectors).
    void (*range_affines_f32)(const float* lo, const float* hi, LaneAffines<float>* p);
    void (*symmetric_affines_f32)(const float* lo, const float* hi, LaneAffines<float>* p);
    void (*quantize_lanes_f32)(const float* x, std::int64_t n, const LaneAffines<float>& p, unsigned char* q);
    void (*quantize_lanes_f64)(const double* x, std::int64_t n, const LaneAffines<double>& p, unsigned char* q);
    // quantize_lanes_f32 for batches whose values are all finite and inside each lane's
    // clamp bounds (as quantize_inrange_f32 for one tile): a path may skip the clamps.
    // Levels of positions outside the bounds (a batch's spare zero position) are unspecified.
    void (*quantize_lanes_inrange_f32)(const float* x, std::int64_t n, const LaneAffines<float>& p, unsigned char* q);
    // For a batch of n positions whose values are all finite, under tile_range: their
    // levels as minmax_lanes, range_affines and quantize_lanes_inrange in turn would
    // give them, in one call. False (nothing written that counts) when a value is not
    // finite.
    bool (*range_lanes_f32)(const float* x, std::int64_t n, unsigned char* q);
    // The same under one map for every lane (a fixed range, or the global one): false
    // also when a value lies outside [p.lo, p.hi].
    bool (*fixed_lanes_f32)(const float* x, std::int64_t n, const Affine<float>& p, unsigned char* q);
    // Widen contiguous half / bfloat16 bits to float.
    void (*widen_f16)(const unsigned char* src, std::int64_t n, float* dst);
    void (*widen_bf16)(const unsigned char* src, std::int64_t n, float* dst);
    // out[3 * i + c] = planes[c * n + i] for i < n, c < 3: an RGB tile's levels
    // quantized in its stored plane order, interleaved into pixels. Null where the
    // instruction set has no byte lookup (SSE2): such tiles are interleaved as floats.
    void (*interleave_planes3)(const unsigned char* planes, std::int64_t n, unsigned char* out);
    // out[3 * i + c] = float i of plane c for i < n, plane c starting c * plane_stride
    // bytes after red, at any alignment: an RGB tile (or a row of one) stored as planes,
    // read as values in (pixel, channel) order.
    void (*interleave_rgb_f32)(const unsigned char* red, std::int64_t plane_stride, std::int64_t n, float* out);
    // The picture rows of a quantized lane batch (lane_rows.hpp): for each of `rows`
    // tile rows, kLanes * plan.unit bytes into out + row * out_stride (a buffer of
    // rows back to back, or the picture itself when the cells sit side by side).
    void (*lane_rows)(const unsigned char* levels, std::int64_t rows, const LaneRows& plan, unsigned char* out,
                      std::int64_t out_stride);
    // Lane k of batch g's sum of squares (in double, in slot order: slot_sums.hpp) over n
    // positions of x[g * batch_stride + pos * kLanes + lane], for each of `batches`
    // batches, each slot's sum added onto sq[g * kLanes + k] in slot order: sq must hold
    // 0.0 on entry for the order to be the norms' (those of order="norm", which the NumPy
    // backend reproduces).
    void (*lane_squares_f32)(const float* x, std::int64_t n, int batches, std::int64_t batch_stride, double* sq);
    // One tile's slots: acc[i % period] += x[i] * x[i] in double for i < n, in increasing
    // i (one multiply, one add each).
    void (*slot_squares_f32)(const float* x, std::int64_t n, std::int64_t period, double* acc);
    // sq[i] += x[i] * x[i] in double (one multiply, one add) for i < n: one value
    // position of n adjacent units added to their running sums.
    void (*run_squares_f32)(const float* x, std::int64_t n, double* sq);
    // sq[i] = x[i] * x[i] in double for i < n (the squares alone, for sums added later).
    void (*squares_f32)(const float* x, std::int64_t n, double* sq);
    // The squared norms of the `strip_units` adjacent units of a strip (slot_sums.hpp)
    // into norms[0, strip_units), their sums held in registers.
    void (*strip_norms_f32)(const UnitStrip& strip, double* norms);
    int strip_units;
    // The squared norms of `short_strip_units` units of short tiles in position order,
    // each unit `values` floats from rows[r], tiles of `positions` values (slot_sums_loops.hpp).
    void (*short_strip_norms_f32)(const float* const* rows, std::int64_t values, std::int64_t positions,
                                  double* norms);
    int short_strip_units;
    // The statistics pass's sums over the finite values of each of kLanes lanes of x
    // (n positions, x[pos * kLanes + lane]), in double, in slot order, from 0.0:
    // sq += d * d, d1 += e, d2 += e * e, count += 1 with d = x and e = d - shift[lane];
    // a non-finite value adds 0.0 to each. Each array has kLanes entries (stored).
    void (*lane_finite_sums_f32)(const float* x, std::int64_t n, const double* shift, double* sq, double* d1,
                                 double* d2, double* count);
    // Sixteen tiles of nine floats stored back to back (3x3 kernels), position-major:
    // buf[p * kLanes + k] = tiles[9 * k + p] (nine_lanes_avx512.hpp). Written for
    // AVX-512's two-table permute and null in the other tables, where the general lane
    // gather does it.
    void (*gather_nine_lanes_f32)(const float* tiles, float* buf);
    // An RGB tile stored as three planes of `pixels` floats, its squares dealt into its
    // 64 slots (acc) in position order: acc[i % 64] += x[i] * x[i] in double, x[3 * j +
    // c] = planes[c][j] (plane_squares_avx512.hpp), planes at any alignment. Written for
    // AVX-512's two-table permute and null in the other tables, whose norms read such
    // tiles through the tile reader, interleaved (interleave_rgb_f32).
    void (*plane_slot_squares_f32)(const float* const* planes, std::int64_t pixels, double* acc);
};

// Implementations, each defined in its own translation unit.
const HotLoops& scalar_loops();
// interleave_rgb_f32 without wide permutes (gather.hpp's interleave_rgb: SSE2 shuffles
// on x86-64, one value at a time elsewhere), for the tables that have none.
void interleave_rgb_portable(const unsigned char* red, std::int64_t plane_stride, std::int64_t n, float* out);
#if defined(__x86_64__) || defined(_M_X64)
const HotLoops& sse2_loops();
const HotLoops& avx2_loops();
const HotLoops& avx512_loops();
#endif
#if defined(__aarch64__)
const HotLoops& neon_loops();
#endif

// Runtime dispatch (dispatch.cpp).
const HotLoops& active_loops();
// Paths this CPU can run, widest first.
std::vector<std::string> supported_paths();
// Selects a path by name ("auto" = the widest supported); throws
// std::invalid_argument for an unknown or unsupported one.
void select_path(const std::string& name);

}  // namespace fasttile
