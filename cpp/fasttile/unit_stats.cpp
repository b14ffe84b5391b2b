// Passes over whole units before (or instead of) painting: squared norms for
// order="norm" and the per-unit statistics a viewer shows. Both add in double in a
// fixed order so the NumPy backend can reproduce them exactly: within a tile from 0.0
// in (y, x, channel) order, then the tiles' sums from 0.0 in inner order.
#include <cmath>
#include <limits>
#include <vector>

#include "kernel.hpp"
#include "parallel.hpp"
#include "source.hpp"
#include "tile_reader.hpp"

namespace fasttile {
namespace {

// Sums over one tile's finite values; d1/d2 are shifted by the unit's first value so
// the variance does not cancel catastrophically for weights far from zero.
template <class T>
struct Sums {
    double sq = 0.0, d1 = 0.0, d2 = 0.0;
    std::int64_t finite = 0;
    T lo = std::numeric_limits<T>::infinity(), hi = -std::numeric_limits<T>::infinity();

    void add_tile(const T* v, std::int64_t n, double shift) {
        Sums t;
        for (std::int64_t i = 0; i < n; ++i) {
            const T x = v[i];
            if (!std::isfinite(x)) continue;
            const double d = static_cast<double>(x), e = d - shift;
            t.sq += d * d;
            t.d1 += e;
            t.d2 += e * e;
            ++t.finite;
            t.lo = x < t.lo ? x : t.lo;
            t.hi = x > t.hi ? x : t.hi;
        }
        sq += t.sq;
        d1 += t.d1;
        d2 += t.d2;
        finite += t.finite;
        lo = t.lo < lo ? t.lo : lo;
        hi = t.hi > hi ? t.hi : hi;
    }

    void write(double shift, std::int64_t values, double* row) const {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double n = static_cast<double>(finite);
        double var = finite ? (d2 - d1 * (d1 / n)) / n : nan;
        var = var < 0.0 ? 0.0 : var;  // rounding; NaN stays NaN
        row[kStatSumSq] = sq;
        row[kStatMean] = finite ? shift + d1 / n : nan;
        row[kStatVariance] = var;
        row[kStatMin] = finite ? static_cast<double>(lo) : nan;
        row[kStatMax] = finite ? static_cast<double>(hi) : nan;
        row[kStatNonFinite] = static_cast<double>(values - finite);
    }
};

// Runs per_unit(reader, unit_pos) for every shown unit on the threads the work pays for.
template <class E, class T, class PerUnit>
void for_each_unit(const TileSource& s, int threads, PerUnit&& per_unit) {
    const HotLoops& loops = active_loops();
    const std::int64_t units = shown_units(s);
    const int nthreads = threads_for(shown_values(s), threads, units);
    BlockQueue queue(units, std::max<std::int64_t>(1, units / (std::int64_t{nthreads} * 16)));
    run_threads(nthreads, [&](int) {
        TileReader<E, T> reader(s, false, loops);
        std::int64_t begin, end;
        while (queue.pop(&begin, &end))
            for (std::int64_t u = begin; u < end; ++u) per_unit(reader, u);
    });
}

template <class E, class T>
std::vector<double> norms_typed(const TileSource& s, int threads) {
    std::vector<double> norms(static_cast<std::size_t>(shown_units(s)), 0.0);
    for_each_unit<E, T>(s, threads, [&](TileReader<E, T>& reader, std::int64_t u) {
        double acc = 0.0;
        for (std::int64_t i = 0; i < s.n_inner; ++i) {
            const T* v = reader.read(unit_origin(s, u, i));
            double tile = 0.0;
            for (std::int64_t k = 0; k < reader.size(); ++k) tile += static_cast<double>(v[k]) * static_cast<double>(v[k]);
            acc += tile;
        }
        norms[static_cast<std::size_t>(u)] = acc;
    });
    return norms;
}

template <class E, class T>
std::vector<double> stats_typed(const TileSource& s, int threads) {
    std::vector<double> stats(static_cast<std::size_t>(shown_units(s) * kUnitStats), 0.0);
    const std::int64_t per_unit = s.n_inner * s.channels * s.height * s.width;
    for_each_unit<E, T>(s, threads, [&](TileReader<E, T>& reader, std::int64_t u) {
        Sums<T> sums;
        double shift = 0.0;
        for (std::int64_t i = 0; i < s.n_inner; ++i) {
            const T* v = reader.read(unit_origin(s, u, i));
            if (i == 0 && std::isfinite(v[0])) shift = static_cast<double>(v[0]);
            sums.add_tile(v, reader.size(), shift);
        }
        sums.write(shift, per_unit, &stats[static_cast<std::size_t>(u * kUnitStats)]);
    });
    return stats;
}

}  // namespace

std::vector<double> unit_sq_norms(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    return with_types(s.type, [&]<class E, class T>() { return norms_typed<E, T>(s, threads); });
}

std::vector<double> unit_stats(const TileSource& s, int threads) {
    check_threads(threads);
    check_source(s);
    return with_types(s.type, [&]<class E, class T>() { return stats_typed<E, T>(s, threads); });
}

}  // namespace fasttile
