// The range scan for the "global" normalizations: every shown tile's finite range,
// through the same readers (and so the same fast paths) as the render.
#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "hot_loops.hpp"
#include "lane_groups.hpp"
#include "lane_reader.hpp"
#include "nonfinite.hpp"
#include "parallel.hpp"
#include "source.hpp"
#include "tile_reader.hpp"

namespace fasttile {
namespace {

template <class T>
struct PartRange {
    T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();
    NonFinite nonfinite;

    void add(std::int64_t tile, T tile_lo, T tile_hi, std::int64_t bad) {
        lo = std::min(lo, tile_lo);
        hi = std::max(hi, tile_hi);
        if (bad) record_nonfinite(nonfinite, tile, bad);
    }
};

template <class E, class T>
void scan_tiles(const TileSource& s, BlockQueue& queue, PartRange<T>& part) {
    TileReader<E, T> reader(s, s.channel_mean, active_loops());
    std::int64_t begin, end;
    while (queue.pop(&begin, &end)) {
        for (std::int64_t t = begin; t < end; ++t) {
            T lo, hi;
            const std::int64_t bad = reader.range(tile_origin(s, t), &lo, &hi);
            part.add(t, lo, hi, bad);
        }
    }
}

template <class E, class T>
void scan_lanes(const TileSource& s, Strategy strategy, const LaneGroups& groups, BlockQueue& queue,
                PartRange<T>& part) {
    LaneReader<E, T> reader(s, s.channel_mean, active_loops(), groups.width);
    std::int64_t begin, end, ids[kMaxGroup];
    LaneBatch group[kMaxGroup];
    while (queue.pop(&begin, &end)) {
        for (std::int64_t item = begin; item < end; ++item) {
            const int n = groups.batches(item, ids);
            for (int i = 0; i < n; ++i) group[i] = lane_batch(s, strategy, ids[i]);
            reader.gather_group(group, n, groups.ahead(s));
            for (int i = 0; i < n; ++i) {
                reader.select(i);
                reader.find_range();
                for (std::int64_t k = 0; k < group[i].count; ++k)
                    part.add(group[i].tile[k], reader.lo[k], reader.hi[k], reader.bad[k]);
            }
        }
    }
}

// Values per work item of the dense-block scan: 256 KB of float32, enough that handing
// out items costs nothing, small enough that two threads finish together.
constexpr std::int64_t kDenseChunk = std::int64_t{1} << 16;

template <class T>
std::int64_t minmax_of(const HotLoops& loops, const T* x, std::int64_t n, T* lo, T* hi) {
    if constexpr (std::is_same_v<T, float>)
        return loops.minmax_f32(x, n, lo, hi);
    else
        return loops.minmax_f64(x, n, lo, hi);
}

// The global range of a bank whose shown values fill one contiguous block
// (dense_block): min and max do not depend on the order of the values, so the block
// is streamed in memory order, in equal chunks across threads, with no per-tile work.
// Only which tiles hold non-finite values needs tiles, so any non-finite value sends
// the caller to the per-tile scan (returns false).
template <class T>
bool scan_dense(const TileSource& s, int threads, Range* r) {
    const unsigned char* first;
    std::int64_t n;
    if (!dense_block(s, &first, &n) || reinterpret_cast<std::uintptr_t>(first) % sizeof(T)) return false;
    const T* x = reinterpret_cast<const T*>(first);
    const std::int64_t chunks = (n + kDenseChunk - 1) / kDenseChunk;
    const int nthreads = threads_for(static_cast<double>(n), threads, chunks);
    struct Part {
        T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();
        std::int64_t bad = 0;
    };
    std::vector<Part> parts(static_cast<std::size_t>(nthreads));
    BlockQueue queue(chunks, 1);
    const HotLoops& loops = active_loops();
    run_threads(nthreads, [&](int thread) {
        Part& part = parts[static_cast<std::size_t>(thread)];
        std::int64_t begin, end;
        while (queue.pop(&begin, &end) && !part.bad) {
            const std::int64_t at = begin * kDenseChunk;
            part.bad += minmax_of(loops, x + at, std::min(kDenseChunk, n - at), &part.lo, &part.hi);
        }
    });
    *r = Range{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), {}};
    for (const Part& p : parts) {
        if (p.bad) return false;
        r->lo = std::min(r->lo, static_cast<double>(p.lo));
        r->hi = std::max(r->hi, static_cast<double>(p.hi));
    }
    return true;
}

template <class E, class T>
Range scan_typed(const TileSource& s, int threads) {
    if constexpr (std::is_same_v<E, T>) {
        Range dense;
        if (scan_dense<T>(s, threads, &dense)) return dense;
    }
    const Strategy strategy = choose_strategy(s);
    const LaneGroups groups(s, strategy, lane_batch_bytes<T>(s));
    const std::int64_t items = strategy == Strategy::per_tile ? tile_count(s) : groups.items;
    const int nthreads = threads_for(shown_values(s), threads, items);
    std::vector<PartRange<T>> parts(static_cast<std::size_t>(nthreads));
    BlockQueue queue(items, std::max<std::int64_t>(1, items / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int thread) {
        PartRange<T>& part = parts[static_cast<std::size_t>(thread)];
        if (strategy == Strategy::per_tile)
            scan_tiles<E, T>(s, queue, part);
        else
            scan_lanes<E, T>(s, strategy, groups, queue, part);
    });
    std::vector<NonFinite> found;
    Range r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), {}};
    for (auto& p : parts) {
        r.lo = std::min(r.lo, static_cast<double>(p.lo));
        r.hi = std::max(r.hi, static_cast<double>(p.hi));
        found.push_back(std::move(p.nonfinite));
    }
    r.nonfinite = merge(found);
    return r;
}

}  // namespace

Range scan_range(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    return with_types(s.type, [&]<class E, class T>() { return scan_typed<E, T>(s, threads); });
}

}  // namespace fasttile
