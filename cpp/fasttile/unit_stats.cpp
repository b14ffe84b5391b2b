// Passes over whole units before (or instead of) painting: squared norms for
// order="norm" and the per-unit statistics a viewer shows (docs/design.md, section 4).
// They read through the lane reader, kLanes tiles side by side, so every layout gets
// the across-tile fast paths, and add in the one order the NumPy backend reproduces
// exactly (slot_sums.hpp): each tile's terms into 64 slots by position, the slots
// added in slot order, then the tiles' sums from 0.0 in inner order. Norms of float32 units one
// element apart, or whose tiles lie in position order, skip the lane buffers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "kernel.hpp"
#include "lane_groups.hpp"
#include "lane_reader.hpp"
#include "parallel.hpp"
#include "slot_sums.hpp"
#include "source.hpp"
#include "tile_reader.hpp"

namespace fasttile {
namespace {

// Tiles with more values than this are summed one at a time (a lane batch of them
// would need kLanes times their size in buffer).
constexpr std::int64_t kMaxLanePositions = 4096;

// Sums of one lane batch, per lane (structure of arrays, so the loops vectorize).
// Lanes = 1 sums a single tile (value p at v[p]).
template <class T>
struct LaneSums {
    double sq[kLanes], d1[kLanes], d2[kLanes], n[kLanes];
    T lo[kLanes], hi[kLanes];

    void clear() {
        for (int k = 0; k < kLanes; ++k) {
            sq[k] = d1[k] = d2[k] = n[k] = 0.0;
            lo[k] = std::numeric_limits<T>::infinity();
            hi[k] = -std::numeric_limits<T>::infinity();
        }
    }

    // Squares of every value (non-finite ones included, as the norm is defined), in
    // slot order (slot_sums.hpp): kLanes tiles side by side slot by slot; one tile
    // (Lanes = 1, a tile too big for lanes) in position order into its 64 slots, so
    // that it is read once, line by line.
    template <int Lanes>
    void add_squares(const T* v, std::int64_t positions) {
        static_assert(Lanes == 1 || Lanes == kLanes, "one tile or a lane batch");
        if constexpr (Lanes == kLanes) {
            lane_squares_portable(v, positions, sq);
        } else {
            double slots[kSlots] = {};
            if constexpr (std::is_same_v<T, float>)
                active_loops().slot_squares_f32(v, positions, kSlots, slots);
            else
                slot_squares_portable(v, positions, kSlots, slots);
            for (std::int64_t j = 0; j < filled_slots(positions); ++j) sq[0] += slots[j];
        }
    }

    // Finite values only; d1/d2 are shifted by each lane's unit's first value, so the
    // variance does not cancel catastrophically for weights far from zero. Adding 0.0
    // for a skipped value changes no sum (a sum started at +0.0 is never -0.0).
    // One tile (Lanes = 1), min and max included, slot by slot, each slot's sums in
    // registers. Each slot re-reads the tile's lines (from L2 while the tile fits):
    // reading it once in position order into slot arrays measured twice as slow (a
    // float32 tile of 270 K values: 94-127 ms against 50 for a bank of 256 of them).
    void add_finite_one(const T* v, std::int64_t n_values, double shift) {
        for (std::int64_t j = 0; j < filled_slots(n_values); ++j) {
            double s2 = 0.0, a1 = 0.0, a2 = 0.0, cnt = 0.0;
            for (std::int64_t p = j; p < n_values; p += kSlots) {
                const T x = v[p];
                if (!std::isfinite(x)) continue;
                const double d = static_cast<double>(x), e = d - shift;
                s2 += d * d;
                a1 += e;
                a2 += e * e;
                cnt += 1.0;
                lo[0] = x < lo[0] ? x : lo[0];
                hi[0] = x > hi[0] ? x : hi[0];
            }
            sq[0] += s2, d1[0] += a1, d2[0] += a2, n[0] += cnt;
        }
    }

    // kLanes tiles side by side; their min and max come from the lane reader. float
    // lanes through the instruction set's loop; double lanes two per vector (GCC vector
    // extensions: SSE2 on x86-64, NEON on arm64), masks instead of branches, the same
    // operations in the same order.
    void add_finite_lanes(const T* v, std::int64_t positions, const double* shift) {
        if constexpr (std::is_same_v<T, float>) {
            active_loops().lane_finite_sums_f32(v, positions, shift, sq, d1, d2, n);
            return;
        }
        using D2 = double __attribute__((vector_size(16)));
        using M2 = long long __attribute__((vector_size(16)));
        const D2 zero = {0.0, 0.0}, one = {1.0, 1.0};
        for (int k = 0; k < kLanes; k += 2) {
            D2 s2 = zero, a1 = zero, a2 = zero, cnt = zero;
            const D2 sh = {shift[k], shift[k + 1]};
            for (std::int64_t j = 0; j < filled_slots(positions); ++j) {
                D2 t2 = zero, b1 = zero, b2 = zero, tc = zero;
                for (std::int64_t p = j; p < positions; p += kSlots) {
                    const D2 raw = {static_cast<double>(v[p * kLanes + k]), static_cast<double>(v[p * kLanes + k + 1])};
                    const M2 finite = (raw - raw) == 0.0;  // all ones where finite
                    const D2 d = reinterpret_cast<D2>(reinterpret_cast<M2>(raw) & finite);
                    const D2 e = reinterpret_cast<D2>(reinterpret_cast<M2>(d - sh) & finite);
                    t2 += d * d;
                    b1 += e;
                    b2 += e * e;
                    tc += reinterpret_cast<D2>(reinterpret_cast<M2>(one) & finite);
                }
                s2 += t2, a1 += b1, a2 += b2, cnt += tc;
            }
            sq[k] = s2[0], sq[k + 1] = s2[1], d1[k] = a1[0], d1[k + 1] = a1[1];
            d2[k] = a2[0], d2[k + 1] = a2[1], n[k] = cnt[0], n[k + 1] = cnt[1];
        }
    }
};

// One unit's running sums over its tiles, in inner order.
template <class T>
struct UnitSums {
    double sq = 0.0, d1 = 0.0, d2 = 0.0, n = 0.0, shift = 0.0;
    T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();

    void add(const LaneSums<T>& t, int k) {
        sq += t.sq[k];
        d1 += t.d1[k];
        d2 += t.d2[k];
        n += t.n[k];
        lo = t.lo[k] < lo ? t.lo[k] : lo;
        hi = t.hi[k] > hi ? t.hi[k] : hi;
    }

    void write(std::int64_t values, double* row) const {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const bool any = n > 0.0;
        double var = any ? (d2 - d1 * (d1 / n)) / n : nan;
        var = var < 0.0 ? 0.0 : var;  // rounding; NaN stays NaN
        row[kStatSumSq] = sq;
        row[kStatMean] = any ? shift + d1 / n : nan;
        row[kStatVariance] = var;
        row[kStatMin] = any ? static_cast<double>(lo) : nan;
        row[kStatMax] = any ? static_cast<double>(hi) : nan;
        row[kStatNonFinite] = static_cast<double>(values) - n;
    }
};

// A unit's shift: its first value when finite, else 0.
template <class T>
double shift_of(T first) {
    return first - first == T(0) ? static_cast<double>(first) : 0.0;
}

// How a pass groups the shown units: kLanes units side by side, one unit's inner
// tiles side by side, or (huge tiles) one unit at a time, tile by tile.
enum class Grouping { units, inner, single };

inline Grouping grouping(const TileSource& s) {
    if (s.height * s.width * s.channels > kMaxLanePositions) return Grouping::single;
    return choose_strategy(s) == Strategy::inner_lanes ? Grouping::inner : Grouping::units;
}

// One thread's pass over groups of units; each group's per-tile sums reach its units'
// UnitSums in inner order.
template <class E, class T>
class UnitPass {
public:
    // width: unit blocks of kLanes read together (Grouping::units; see lane_groups.hpp).
    UnitPass(const TileSource& s, Grouping grouping, bool squares_only, std::int64_t width)
        : s_(s), grouping_(grouping), squares_only_(squares_only), width_(width) {
        if (grouping == Grouping::single)
            tiles_.emplace(s, false, active_loops());
        else
            lanes_.emplace(s, false, active_loops(), width);
    }

    // Group g: units [g * width * kLanes, ...) (Grouping::units), unit g's inner tiles
    // (Grouping::inner) or unit g (Grouping::single).
    void run_group(std::int64_t g, UnitSums<T>* units) {
        if (grouping_ == Grouping::single) return run_single(g, units[0]);
        if (grouping_ == Grouping::inner) return run_inner(g, units[0]);
        const std::int64_t blocks = (shown_units(s_) + kLanes - 1) / kLanes;
        const int n = static_cast<int>(std::min(width_, blocks - g * width_));
        // The next read is the same units' next inner tile, or (one inner tile) the next group.
        const std::int64_t ahead = s_.indices ? 0 : s_.n_inner > 1 ? kPrefetchBatches * s_.s_inner : LaneGroups::ahead_for(s_, width_);
        LaneBatch b[kMaxGroup];
        double shift[kMaxGroup * kLanes] = {};
        for (std::int64_t i = 0; i < s_.n_inner; ++i) {
            for (int j = 0; j < n; ++j) b[j] = lane_batch(s_, Strategy::unit_lanes, (g * width_ + j) * s_.n_inner + i);
            lanes_->gather_group(b, n, ahead);
            if (squares_only_ && std::is_same_v<T, float>) {
                add_group_squares(n, b, units);
                continue;
            }
            for (int j = 0; j < n; ++j) {
                lanes_->select(j);
                if (!squares_only_) lanes_->find_range();
                UnitSums<T>* u = units + j * kLanes;
                if (i == 0)
                    for (int k = 0; k < kLanes; ++k) shift[j * kLanes + k] = u[k].shift = shift_of(lanes_->values()[k]);
                add_batch(b[j].count, u, shift + j * kLanes);
            }
        }
    }

private:
    // One unit's inner tiles, kLanes side by side.
    void run_inner(std::int64_t g, UnitSums<T>& unit) {
        const std::int64_t batches = (s_.n_inner + kLanes - 1) / kLanes;
        double shift[kLanes] = {};
        for (std::int64_t i = 0; i < batches; ++i) {
            const LaneBatch b = lane_batch(s_, Strategy::inner_lanes, g * batches + i);
            lanes_->gather(b);
            if (!squares_only_) lanes_->find_range();  // each lane's finite min and max
            if (i == 0) unit.shift = shift_of(lanes_->values()[0]);
            for (int k = 0; k < kLanes; ++k) shift[k] = unit.shift;
            lane_sums(shift);
            // Every lane's sums go to the one unit, in inner order: through a local copy,
            // so the adds chain in registers rather than through stores and reloads.
            UnitSums<T> sums = unit;
            for (int k = 0; k < b.count; ++k) sums.add(sums_, k);
            unit = sums;
        }
    }

    // Squares of the whole group's float lanes in one call (its chains interleave), each
    // tile's sum added to its unit in inner order as add_batch does.
    void add_group_squares(int n, const LaneBatch* b, UnitSums<T>* units) {
        if constexpr (std::is_same_v<T, float>) {
            double sq[kMaxGroup * kLanes] = {};
            lanes_->select(0);
            active_loops().lane_squares_f32(lanes_->values(), lanes_->positions(), n, lanes_->batch_size(), sq);
            for (int j = 0; j < n; ++j)
                for (int k = 0; k < b[j].count; ++k) units[j * kLanes + k].sq += sq[j * kLanes + k];
        }
    }

    // The current batch's per-tile sums, added to its lanes' units in inner order.
    void add_batch(std::int64_t count, UnitSums<T>* u, const double* shift) {
        UnitSums<T>* each[kLanes];
        for (int k = 0; k < kLanes; ++k) each[k] = u + k;
        add_batch_to(count, each, shift);
    }

    void add_batch_to(std::int64_t count, UnitSums<T>* const* u, const double* shift) {
        lane_sums(shift);
        for (int k = 0; k < count; ++k) u[k]->add(sums_, k);
    }

    // The current batch's per-lane sums into sums_.
    void lane_sums(const double* shift) {
        const T* v = lanes_->values();
        sums_.clear();
        if (squares_only_)
            add_squares_lanes(v);
        else
            finite_lanes(v, shift);
    }

    // float lanes through the instruction set's loop (4 or 8 doubles per vector; the
    // portable one does 2), double lanes portably.
    void add_squares_lanes(const T* v) {
        if constexpr (std::is_same_v<T, float>)
            active_loops().lane_squares_f32(v, lanes_->positions(), 1, 0, sums_.sq);
        else
            sums_.template add_squares<kLanes>(v, lanes_->positions());
    }

    void finite_lanes(const T* v, const double* shift) {
        sums_.add_finite_lanes(v, lanes_->positions(), shift);
        for (int k = 0; k < kLanes; ++k) {
            sums_.lo[k] = lanes_->lo[k];
            sums_.hi[k] = lanes_->hi[k];
        }
    }

    void run_single(std::int64_t u, UnitSums<T>& unit) {
        for (std::int64_t i = 0; i < s_.n_inner; ++i) {
            const T* v = tiles_->read(unit_origin(s_, u, i));
            if (i == 0) unit.shift = shift_of(v[0]);
            sums_.clear();
            if (squares_only_)
                sums_.template add_squares<1>(v, tiles_->size());
            else
                sums_.add_finite_one(v, tiles_->size(), unit.shift);
            unit.add(sums_, 0);
        }
    }

    const TileSource& s_;
    Grouping grouping_;
    bool squares_only_;
    std::int64_t width_;
    std::optional<LaneReader<E, T>> lanes_;  // the reader the grouping needs
    std::optional<TileReader<E, T>> tiles_;
    LaneSums<T> sums_;
};

// Runs the pass over all shown units on the threads the work pays for; emit(u, sums)
// receives every unit once.
template <class E, class T, class Emit>
void for_each_unit(const TileSource& s, bool squares_only, int threads, Emit&& emit) {
    const Grouping how = grouping(s);
    // Unit blocks read together: whole runs of lines where units are adjacent, and for
    // any layout the squares of several batches interleaved (unit_stats.cpp's UnitPass).
    const std::int64_t batch_bytes = (s.height * s.width * s.channels + 1) * kLanes * static_cast<std::int64_t>(sizeof(T));
    const std::int64_t width = how == Grouping::units ? group_width(batch_bytes) : 1;
    const std::int64_t units = shown_units(s), per_group = how == Grouping::units ? width * kLanes : 1;
    const std::int64_t groups = (units + per_group - 1) / per_group;
    // A second thread pays for itself on half the values a render needs (the render's
    // policy, parallel.hpp): M (1024 RGB 14x14 filters, 602 K values) took 96 -> 63 us
    // (minimums; medians 101 -> 73) for its norms on two threads; S (307 K) stays on one,
    // where two were faster at best but slower at the median.
    const int nthreads = threads_for(2.0 * shown_values(s), threads, groups);
    BlockQueue queue(groups, std::max<std::int64_t>(1, groups / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int) {
        UnitPass<E, T> pass(s, how, squares_only, width);
        std::vector<UnitSums<T>> sums(static_cast<std::size_t>(per_group));
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            for (std::int64_t g = begin; g < end; ++g) {
                std::fill(sums.begin(), sums.end(), UnitSums<T>{});
                pass.run_group(g, sums.data());
                for (std::int64_t k = 0; k < per_group && g * per_group + k < units; ++k) emit(g * per_group + k, sums[k]);
            }
    });
}

// The adjacent-units norm pass reads a block of units' value positions one run at a
// time, runs a bank row apart, and prefetches the run kRunsAhead reads later. On
// a cols bank of 65536 columns (2 threads, AVX-512) blocks of 256 units (1 KB runs)
// with 8 runs ahead reached 72% of the read bound, 1024-unit blocks with 4 ahead 55%,
// and 16 runs ahead or 128-byte prefetch steps were slower again.
constexpr std::int64_t kRunBlock = 256;

// Byte offsets of a tile's value positions, in (y, x, channel) order.
inline std::vector<std::int64_t> position_offsets(const TileSource& s) {
    std::vector<std::int64_t> at;
    at.reserve(static_cast<std::size_t>(s.height * s.width * s.channels));
    for (std::int64_t y = 0; y < s.height; ++y)
        for (std::int64_t x = 0; x < s.width; ++x)
            for (std::int64_t c = 0; c < s.channels; ++c) at.push_back(y * s.s_y + x * s.s_x + c * s.s_channel);
    return at;
}

// A tile's value positions in the order the adjacent-units pass reads them: slot by
// slot (slot_sums.hpp), each slot's positions in position order, so one slot's sums
// over the block's units stay in L1 while its runs are read (runs are a bank row
// apart in any order). at: byte offsets; slot_end[j]: where slot j's runs end.
struct SlotOrder {
    std::vector<std::int64_t> at, slot_end;

    explicit SlotOrder(const std::vector<std::int64_t>& offsets) {
        const std::int64_t positions = static_cast<std::int64_t>(offsets.size());
        for (std::int64_t j = 0; j < filled_slots(positions); ++j) {
            for (std::int64_t p = j; p < positions; p += kSlots) at.push_back(offsets[static_cast<std::size_t>(p)]);
            slot_end.push_back(static_cast<std::int64_t>(at.size()));
        }
    }
};

// Squared norms of units [first, first + n), adjacent float32 units: per inner tile,
// each value position is one contiguous run of the block's units added into its
// slot's sums, each slot added to the tiles' sums once its runs are read (slot order),
// and the tiles' sums to the units' in inner order, as the lane pass adds them. A slot
// of one run adds its squares to the tiles' sums directly (0.0 + a square is the
// square): tiles of at most 64 values need no slot sums at all.
inline void norms_of_run_block(const TileSource& s, const SlotOrder& order, std::int64_t first, std::int64_t n,
                               double* norms, const HotLoops& loops) {
    double tile[kRunBlock], slot[kRunBlock], unit[kRunBlock] = {};
    const std::int64_t runs = static_cast<std::int64_t>(order.at.size());
    const unsigned char* block = s.origin + first * s.s_outer;
    RunsAhead ahead(runs);
    auto read = [&](const unsigned char* base, std::int64_t q, double* into) {
        ahead.ask(block, s.s_inner, s.n_inner, order.at.data(), runs, n * 4);
        loops.run_squares_f32(reinterpret_cast<const float*>(base + order.at[static_cast<std::size_t>(q)]), n, into);
    };
    for (std::int64_t i = 0; i < s.n_inner; ++i) {
        const unsigned char* base = block + i * s.s_inner;
        std::fill(tile, tile + n, 0.0);
        std::int64_t q = 0;
        for (const std::int64_t end : order.slot_end) {
            if (end - q == 1) {
                read(base, q++, tile);
                continue;
            }
            std::fill(slot, slot + n, 0.0);
            for (; q < end; ++q) read(base, q, slot);
            for (std::int64_t k = 0; k < n; ++k) tile[k] += slot[k];
        }
        for (std::int64_t k = 0; k < n; ++k) unit[k] += tile[k];
    }
    std::copy(unit, unit + n, norms + first);
}

// Norms of all the adjacent units of a cache-sized bank: whole strips of
// loops.strip_units units across threads, the units left over as one short block.
inline void norms_in_strips(const TileSource& s, const SlotOrder& order, int threads, double* norms,
                            const HotLoops& loops) {
    const std::int64_t width = loops.strip_units, whole = s.n_outer / width, rest = s.n_outer % width;
    const std::int64_t items = whole + (rest ? 1 : 0);
    const int nthreads = threads_for(shown_values(s), threads, items);
    BlockQueue queue(items, 1);
    run_threads(nthreads, [&](int) {
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            for (std::int64_t b = begin; b < end; ++b) {
                if (b == whole) {
                    norms_of_run_block(s, order, whole * width, rest, norms, loops);
                    continue;
                }
                const UnitStrip strip{s.origin + b * width * s.s_outer, s.n_inner, s.s_inner, order.at.data(),
                                      order.slot_end.data(), static_cast<std::int64_t>(order.slot_end.size())};
                loops.strip_norms_f32(strip, norms + b * width);
            }
    });
}

// Banks of adjacent units up to this size are summed a strip of units at a time
// (strip_norms_f32), the sums in registers: read from the last-level cache, the adds
// are the cost. Larger banks come from memory, where the block pass's 1 KB runs read
// faster than a strip's 256-byte ones (see kRunBlock).
constexpr double kStripBankBytes = 16.0 * 1024 * 1024;

// The squared norms of float32 units one element apart (a cols bank, an hwio kernel),
// all shown: strips or blocks of units across threads, no lane buffers. Returns false
// for any other view.
inline bool norms_of_adjacent_units(const TileSource& s, int threads, double* norms) {
    // (s.channel_mean is set by the binding only to admit any channel count: these
    // passes never average channels.)
    if (s.type != ElemType::f32 || s.indices || s.s_outer != 4 ||
        reinterpret_cast<std::uintptr_t>(s.origin) % 4 || s.s_inner % 4 || s.s_y % 4 || s.s_x % 4 || s.s_channel % 4 ||
        s.n_outer < 1 || s.n_inner < 1 || s.height * s.width * s.channels < 1)
        return false;
    const SlotOrder order(position_offsets(s));
    const HotLoops& loops = active_loops();
    if (shown_values(s) * 4 <= kStripBankBytes) {
        norms_in_strips(s, order, threads, norms, loops);
        return true;
    }
    const std::int64_t units = s.n_outer;
    const int nthreads = threads_for(shown_values(s), threads, (units + kLanes - 1) / kLanes);
    // Whole lanes per block, and blocks enough for every thread.
    const std::int64_t per_thread = (units + nthreads - 1) / nthreads;
    const std::int64_t block = std::min(kRunBlock, (per_thread + kLanes - 1) / kLanes * kLanes);
    const std::int64_t blocks = (units + block - 1) / block;
    BlockQueue queue(blocks, 1);
    run_threads(nthreads, [&](int) {
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            norms_of_run_block(s, order, begin * block, std::min(block, units - begin * block), norms, loops);
    });
    return true;
}

// Short tiles (at most kShortTile values, 3x3 filters: one term per slot, so added left
// to right) of float32 units in position order are summed straight from the bank,
// without lane batches, whose fixed work costs more than a short tile's nine values:
// units are squared in memory order by the vector loop, then each tile's squares and
// each unit's tile sums added up, many chains side by side (one chain alone would wait
// on every add's latency). Long tiles go row by row (norms_row_by_row, below).
constexpr std::int64_t kShortTile = kSlots;
// Values squared at once (16 KB of doubles, in L1), at least one unit.
constexpr std::int64_t kShortSquares = 2048;
// Units per work item at least, so that their tile sums add up side by side.
constexpr std::int64_t kShortUnits = 8;
constexpr int kChains = 16;

// Each unit's float32 tiles stored back to back, each in (y, x, channel) order: the
// unit is one contiguous run whose memory order is the order of the adds.
inline bool units_in_position_order(const TileSource& s) {
    const std::int64_t es = 4, c = s.channels, w = s.width, p = s.height * w * c;
    return s.type == ElemType::f32 && p >= 1 && p <= kShortTile && s.n_inner >= 1 && (c == 1 || s.s_channel == es) &&
           (w == 1 || s.s_x == c * es) && (s.height == 1 || s.s_y == w * c * es) &&
           (s.n_inner == 1 || s.s_inner == p * es) && reinterpret_cast<std::uintptr_t>(s.origin) % es == 0 &&
           s.s_outer % es == 0;
}

// sums[j] = the row sum of row j of a row-major matrix (rows of `n` doubles), each
// from 0.0 in order, for G rows at once: G independent chains of adds.
template <int G>
void row_sums(const double* m, std::int64_t n, double* sums) {
    double acc[G] = {};
    for (std::int64_t p = 0; p < n; ++p)
#pragma GCC unroll 16
        for (int j = 0; j < G; ++j) acc[j] += m[j * n + p];
    for (int j = 0; j < G; ++j) sums[j] = acc[j];
}

inline void all_row_sums(const double* m, std::int64_t rows, std::int64_t n, double* sums) {
    std::int64_t r = 0;
    for (; r + kChains <= rows; r += kChains) row_sums<kChains>(m + r * n, n, sums + r);
    for (; r + 4 <= rows; r += 4) row_sums<4>(m + r * n, n, sums + r);
    for (; r < rows; ++r) row_sums<1>(m + r * n, n, sums + r);
}

// Norms of shown units [first, first + n) of short tiles in position order.
struct ShortTileNorms {
    const TileSource& s;
    const HotLoops& loops;
    std::int64_t positions, unit_values;
    std::vector<double> squares, tile_sums;

    ShortTileNorms(const TileSource& src, const HotLoops& l, std::int64_t units_per_item)
        : s(src), loops(l), positions(src.height * src.width * src.channels), unit_values(src.n_inner * positions),
          squares(static_cast<std::size_t>(std::max(kShortSquares, unit_values))),
          tile_sums(static_cast<std::size_t>(units_per_item * src.n_inner)) {}

    // Whole strips of loops.short_strip_units units transposed in registers; the units
    // left over through their stored squares.
    void run(std::int64_t first, std::int64_t n, double* norms) {
        const std::int64_t strip = loops.short_strip_units;
        std::int64_t done = 0;
        for (; done + strip <= n; done += strip) {
            const float* rows[kMaxShortStrip];
            for (std::int64_t r = 0; r < strip; ++r)
                rows[r] = reinterpret_cast<const float*>(unit_origin(s, first + done + r, 0));
            loops.short_strip_norms_f32(rows, unit_values, positions, norms + first + done);
        }
        if (done < n) run_stored(first + done, n - done, norms);
    }

    void run_stored(std::int64_t first, std::int64_t n, double* norms) {
        const std::int64_t per_chunk = std::max<std::int64_t>(1, kShortSquares / unit_values);
        for (std::int64_t u = 0; u < n; u += per_chunk) {
            const std::int64_t m = std::min(per_chunk, n - u);
            for (std::int64_t k = 0; k < m; ++k)
                loops.squares_f32(reinterpret_cast<const float*>(unit_origin(s, first + u + k, 0)), unit_values,
                                  squares.data() + k * unit_values);
            all_row_sums(squares.data(), m * s.n_inner, positions, tile_sums.data() + u * s.n_inner);
        }
        all_row_sums(tile_sums.data(), n, s.n_inner, norms + first);
    }
};

// The squared norms of units of short float32 tiles in position order (3x3 oihw
// filters, split or not): groups of units across threads. Returns false for any other view.
inline bool norms_of_short_tiles(const TileSource& s, int threads, double* norms) {
    if (!units_in_position_order(s)) return false;
    const std::int64_t unit_values = s.n_inner * s.height * s.width * s.channels, units = shown_units(s);
    const std::int64_t per_item = std::max(kShortUnits, kShortSquares / unit_values);
    const std::int64_t items = (units + per_item - 1) / per_item;
    const int nthreads = threads_for(shown_values(s), threads, items);
    const HotLoops& loops = active_loops();
    BlockQueue queue(items, std::max<std::int64_t>(1, items / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int) {
        ShortTileNorms pass(s, loops, per_item);
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            for (std::int64_t b = begin; b < end; ++b)
                pass.run(b * per_item, std::min(per_item, units - b * per_item), norms);
    });
    return true;
}

// Norms of units whose long tiles are stored as whole rows (rows banks of images, in
// any element type): the render's per_tile strategy, more than kSlots values a tile,
// float lanes. Each tile through the tile reader (in place, or its rows widened into
// (y, x, channel) order), dealt into its slots where it lies, and the slots of kChains
// tiles added up side by side. RGB float tiles stored as three whole planes (oihw
// first layers) are dealt into their slots from the planes where the table can
// (HotLoops::plane_slot_squares_f32; M's norms 118 -> 88 us on two threads, paired
// medians); elsewhere the tile reader interleaves them first. On AVX-512 that
// measured slower than the lanes (M: 136 against 114 us), but the table has the plane
// deal there. On AVX2 it is the faster (M's norms, paired minimums: 199 -> 183 us on
// one thread, 101 -> 96 on two; SSE2 265 -> 240). Returns false for any other view.
template <class E>
bool norms_row_by_row(const TileSource& s, int threads, double* norms) {
    const std::int64_t es = static_cast<std::int64_t>(sizeof(E)), positions = s.height * s.width * s.channels;
    const HotLoops& loops = active_loops();
    const bool whole_rows = s.s_x == s.channels * es && (s.channels == 1 || s.s_channel == es);
    const bool whole_planes = std::is_same_v<E, float> && rgb_planes_of_whole_rows(s, es);
    const bool planes_dealt = whole_planes && loops.plane_slot_squares_f32;
    if (positions <= kSlots || !(whole_rows || whole_planes) || choose_strategy(s) != Strategy::per_tile) return false;
    const std::int64_t units = shown_units(s), per_item = std::max<std::int64_t>(1, kChains / s.n_inner);
    const std::int64_t items = (units + per_item - 1) / per_item;
    // Planes: a second thread pays for itself as in the lane passes (for_each_unit).
    const int nthreads = threads_for((whole_planes ? 2.0 : 1.0) * shown_values(s), threads, items);
    BlockQueue queue(items, std::max<std::int64_t>(1, items / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int) {
        TileReader<E, float> reader(s, false, loops);
        std::vector<double> slots(static_cast<std::size_t>(kSlots * per_item * s.n_inner));
        std::vector<double> tile_sums(static_cast<std::size_t>(per_item * s.n_inner));
        const auto deal = [&](const unsigned char* tile, double* acc) {
            if (planes_dealt) {
                const float* planes[3];
                for (int c = 0; c < 3; ++c) planes[c] = reinterpret_cast<const float*>(tile + c * s.s_channel);
                return loops.plane_slot_squares_f32(planes, s.height * s.width, acc);
            }
            loops.slot_squares_f32(reader.read(tile), positions, kSlots, acc);
        };
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            for (std::int64_t b = begin; b < end; ++b) {
                const std::int64_t first = b * per_item, n = std::min(per_item, units - first);
                // One fill for the item's tiles: a fill of one tile's 64 slots became a
                // `rep stos`, whose start-up cost about a tenth of M's norms on AVX2.
                std::fill(slots.begin(), slots.begin() + n * s.n_inner * kSlots, 0.0);
                for (std::int64_t t = 0; t < n * s.n_inner; ++t)
                    deal(unit_origin(s, first + t / s.n_inner, t % s.n_inner), slots.data() + t * kSlots);
                all_row_sums(slots.data(), n * s.n_inner, kSlots, tile_sums.data());
                all_row_sums(tile_sums.data(), n, s.n_inner, norms + first);
            }
    });
    return true;
}

}  // namespace

std::vector<double> unit_sq_norms(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    std::vector<double> norms(static_cast<std::size_t>(shown_units(s)));
    if (norms_of_adjacent_units(s, threads, norms.data()) || norms_of_short_tiles(s, threads, norms.data())) return norms;
    with_types(s.type, [&]<class E, class T>() {
        if constexpr (std::is_same_v<T, float>)
            if (norms_row_by_row<E>(s, threads, norms.data())) return;
        for_each_unit<E, T>(s, true, threads,
                            [&](std::int64_t u, const UnitSums<T>& sums) { norms[static_cast<std::size_t>(u)] = sums.sq; });
    });
    return norms;
}

std::vector<double> unit_stats(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    std::vector<double> stats(static_cast<std::size_t>(shown_units(s) * kUnitStats));
    const std::int64_t values = s.n_inner * s.channels * s.height * s.width;
    with_types(s.type, [&]<class E, class T>() {
        for_each_unit<E, T>(s, false, threads, [&](std::int64_t u, const UnitSums<T>& sums) {
            sums.write(values, &stats[static_cast<std::size_t>(u * kUnitStats)]);
        });
    });
    return stats;
}

}  // namespace fasttile
