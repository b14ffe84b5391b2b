// Every SIMD path this CPU runs must give the scalar path's bytes (the Python suite
// holds the scalar path, and every other path, to the NumPy reference). Pure C++,
// so it also runs where Python cannot: arm64 NEON under qemu-user (tools/neon_test.sh).
//
//     paths_selftest [cases]      prints "N passed, M failed"; exit 1 on any failure
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <atomic>
#include <thread>

#include "fasttile/hot_loops.hpp"
#include "fasttile/kernel.hpp"
#include "fasttile/parallel.hpp"

using namespace fasttile;

namespace {

struct Case {
    ElemType type;
    std::vector<unsigned char> memory;  // the bank, with a spare byte in front for misalignment
    TileSource src{};
    Normalization norm{};
    Mosaic mosaic{};
    std::vector<unsigned char> lut;
    std::vector<std::int64_t> indices;
    int threads = 1;
    std::int64_t out_channels = 1;
};

std::uint16_t float_to_bf16(float f) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return static_cast<std::uint16_t>(bits >> 16);
}

std::uint16_t float_to_half(float f) {  // truncating conversion; any half value will do
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    const std::uint32_t sign = (bits >> 16) & 0x8000u;
    const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
    const std::uint32_t mantissa = (bits >> 13) & 0x3ffu;
    if (((bits >> 23) & 0xff) == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
    if (exponent >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
    if (exponent <= 0) return static_cast<std::uint16_t>(sign);
    return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(exponent) << 10) | mantissa);
}

double draw_value(std::mt19937_64& rng, int style) {
    std::normal_distribution<double> normal;
    std::uniform_int_distribution<int> pick(0, 99);
    const int p = pick(rng);
    if (style == 1 && p < 4) {
        const double specials[] = {NAN, INFINITY, -INFINITY, 0.0};
        return specials[p];
    }
    if (style == 2) return normal(rng) * 1e-38;  // subnormal floats
    if (style == 3) return 1000.0 + normal(rng) * 1e-4;
    if (style == 4) return normal(rng) * 1e30;
    if (style == 5) return 0.75;  // constant
    return normal(rng);
}

void store(std::vector<unsigned char>& mem, std::size_t at, ElemType type, double v) {
    unsigned char* p = mem.data() + at;
    switch (type) {
        case ElemType::f32: { const float f = static_cast<float>(v); std::memcpy(p, &f, 4); break; }
        case ElemType::f64: std::memcpy(p, &v, 8); break;
        case ElemType::f16: { const std::uint16_t h = float_to_half(static_cast<float>(v)); std::memcpy(p, &h, 2); break; }
        case ElemType::bf16: { const std::uint16_t b = float_to_bf16(static_cast<float>(v)); std::memcpy(p, &b, 2); break; }
        case ElemType::i8: { const std::int8_t i = static_cast<std::int8_t>(std::isfinite(v) ? std::fmod(v * 40, 127) : 0); std::memcpy(p, &i, 1); break; }
        default: { const std::uint16_t u = static_cast<std::uint16_t>(std::isfinite(v) ? std::fabs(std::fmod(v * 9000, 65535)) : 0); std::memcpy(p, &u, 2); break; }
    }
}

// Normalization, grid, padding, lookup table and marker of a drawn view.
void draw_options(Case& c, std::mt19937_64& rng) {
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const bool mean = c.src.channel_mean;
    const std::int64_t C = c.src.channels;
    const NormMode modes[] = {NormMode::tile_range, NormMode::tile_symmetric, NormMode::fixed_range, NormMode::fixed_symmetric};
    c.norm = {modes[uni(0, 3)], -0.5, 1.25};
    const std::int64_t tiles = tile_count(c.src);
    c.mosaic.ncols = uni(1, 12);
    c.mosaic.nrows = (tiles + c.mosaic.ncols - 1) / c.mosaic.ncols + uni(0, 1);
    c.mosaic.column_fill = uni(0, 1);
    c.mosaic.padding = uni(0, 2);
    c.mosaic.zoom = uni(1, 2);
    for (auto& v : c.mosaic.pad_value) v = static_cast<unsigned char>(uni(0, 255));
    const bool gray = mean || C == 1;
    c.mosaic.mark_nonfinite = uni(0, 1);
    if (gray && (uni(0, 2) == 0 || c.mosaic.mark_nonfinite)) {
        c.lut.resize(768);
        for (auto& v : c.lut) v = static_cast<unsigned char>(uni(0, 255));
        c.mosaic.lut = c.lut.data();
    }
    c.mosaic.marker[0] = 255; c.mosaic.marker[2] = 255;
    c.out_channels = (!gray || c.mosaic.lut) ? 3 : 1;
}

Case make_case(std::mt19937_64& rng) {
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Case c;
    const ElemType types[] = {ElemType::f32, ElemType::f64, ElemType::f16, ElemType::bf16, ElemType::i8, ElemType::u16};
    c.type = types[uni(0, 5)];
    const std::int64_t es = static_cast<std::int64_t>(elem_size(c.type));
    // dims (unit, inner, channel, y, x); tiny tiles, long rows, or many channels
    const int shape_kind = uni(0, 2);
    std::int64_t n = uni(1, 40), inner = 1, C = uni(0, 1) ? 3 : 1, h = uni(1, 9), w = uni(1, 9);
    if (shape_kind == 1) { h = uni(4, 12); w = uni(8, 24); }
    if (shape_kind == 2 && C == 1) inner = uni(0, 1) ? uni(2, 6) : uni(15, 40);  // one or several blocks of kLanes
    const bool mean = uni(0, 5) == 0;
    if (mean) C = uni(2, 5);
    const std::int64_t dims[5] = {n, inner, C, h, w};
    // memory order: a random permutation of the five axes, some reversed
    int order[5] = {0, 1, 2, 3, 4};
    std::shuffle(order, order + 5, rng);
    std::int64_t strides[5], step = es, total = 1;
    for (int k = 4; k >= 0; --k) {
        strides[order[k]] = step;
        step *= dims[order[k]];
    }
    for (std::int64_t d : dims) total *= d;
    const std::int64_t misalign = uni(0, 3) == 0 ? 1 : 0;
    c.memory.assign(static_cast<std::size_t>(total * es + misalign), 0);
    const int style = uni(0, 5);
    for (std::int64_t i = 0; i < total; ++i) store(c.memory, static_cast<std::size_t>(misalign + i * es), c.type, draw_value(rng, style));
    std::int64_t origin = misalign;
    for (int d = 0; d < 5; ++d)
        if (uni(0, 3) == 0) {  // walk this axis backwards
            origin += (dims[d] - 1) * strides[d];
            strides[d] = -strides[d];
        }
    c.src.origin = c.memory.data() + origin;
    c.src.type = c.type;
    c.src.readable_begin = c.memory.data();
    c.src.readable_end = c.memory.data() + c.memory.size();
    c.src.n_outer = n; c.src.n_inner = inner; c.src.channels = C; c.src.height = h; c.src.width = w;
    c.src.s_outer = strides[0]; c.src.s_inner = strides[1]; c.src.s_channel = strides[2];
    c.src.s_y = strides[3]; c.src.s_x = strides[4];
    c.src.channel_mean = mean;
    if (uni(0, 4) == 0) {
        for (int k = 0, m = uni(1, 30); k < m; ++k) c.indices.push_back(uni(0, static_cast<int>(n - 1)));
        c.src.indices = c.indices.data();
        c.src.n_indices = static_cast<std::int64_t>(c.indices.size());
    }
    draw_options(c, rng);
    c.threads = uni(1, 3);
    return c;
}

struct Result {
    std::vector<unsigned char> image;
    NonFinite nonfinite;
    std::string error;
    std::vector<double> facts;  // the global range and every unit's statistics
    std::vector<unsigned char> global;  // drawn with the scanned range (all values finite)
    bool scanned_differs = false;       // ... and differently with Normalization::scanned
};

// Facts (the global range, every unit's statistics and squared norm) are equal as values (a minimum may be 0.0 on one path and -0.0 on another:
// the vector min instructions pick either of two equal operands) or both NaN.
bool same(const Result& a, const Result& b) {
    if (a.facts.size() != b.facts.size()) return false;
    for (std::size_t i = 0; i < a.facts.size(); ++i)
        if (!(a.facts[i] == b.facts[i] || (std::isnan(a.facts[i]) && std::isnan(b.facts[i])))) return false;
    return a.error == b.error && a.image == b.image && a.nonfinite.count == b.nonfinite.count &&
           a.nonfinite.tiles == b.nonfinite.tiles && a.global == b.global;
}

// The mosaic of normalize="global" (or "global-symmetric", for a symmetric case) from
// the scanned range, drawn without and with Normalization::scanned: the same bytes.
void draw_global(const Case& c, const Range& range, std::int64_t height, std::int64_t width, Result* r) {
    const bool symmetric = c.norm.mode == NormMode::fixed_symmetric || c.norm.mode == NormMode::tile_symmetric;
    const double lo = range.lo <= range.hi ? range.lo : 0.0, hi = range.lo <= range.hi ? range.hi : 0.0;
    Normalization norm{NormMode::fixed_range, lo, hi};
    if (symmetric) norm = {NormMode::fixed_symmetric, 0.0, std::max(std::fabs(lo), std::fabs(hi))};
    const auto draw = [&](bool scanned) {
        std::vector<unsigned char> image(static_cast<std::size_t>(height * width * c.out_channels), 0xEE);
        const Output out{image.data(), height, width, c.out_channels, width * c.out_channels};
        norm.scanned = scanned;
        render(c.src, norm, c.mosaic, out, c.threads);
        return image;
    };
    r->global = draw(false);
    r->scanned_differs = draw(true) != r->global;
}

Result run(const Case& c) {
    Result r;
    std::int64_t height = 0, width = 0;
    try {
        mosaic_shape(c.src, c.mosaic, &height, &width);
        r.image.assign(static_cast<std::size_t>(height * width * c.out_channels), 0xEE);
        const Output out{r.image.data(), height, width, c.out_channels, width * c.out_channels};
        r.nonfinite = render(c.src, c.norm, c.mosaic, out, c.threads);
        const Range range = scan_range(c.src, c.threads);
        r.facts = unit_stats(c.src, c.threads);
        const std::vector<double> norms = unit_sq_norms(c.src, c.threads);
        r.facts.insert(r.facts.end(), norms.begin(), norms.end());
        r.facts.push_back(range.lo);
        r.facts.push_back(range.hi);
        r.facts.push_back(static_cast<double>(range.nonfinite.count));
        if (range.nonfinite.count == 0) draw_global(c, range, height, width, &r);
    } catch (const std::exception& e) {
        r.error = e.what();
    }
    return r;
}

// The worker pool: from several threads at once, every index of every call runs
// exactly once, and an exception reaches its own caller. Returns failures.
int pool_selftest() {
    std::atomic<int> failures{0};
    auto hammer = [&](int seed) {
        for (int call = 0; call < 3000; ++call) {
            const int n = 1 + (call * 7 + seed) % 9;
            std::atomic<int> seen[9] = {};
            run_threads(n, [&](int i) { seen[i].fetch_add(1); });
            for (int i = 0; i < 9; ++i)
                if (seen[i].load() != (i < n ? 1 : 0)) failures.fetch_add(1);
            if (call % 500 == 0) {
                try {
                    run_threads(n + 1, [&](int i) {
                        if (i == n) throw std::runtime_error("expected");
                    });
                    failures.fetch_add(1);
                } catch (const std::runtime_error&) {
                }
            }
        }
    };
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t) callers.emplace_back(hammer, t);
    for (auto& c : callers) c.join();
    return failures.load();
}

// The lane-parallel maps (lane_affines.hpp) against the per-tile ones (pixel_rule.hpp),
// bit for bit, on ordinary, tiny, huge, constant and empty ranges. Returns failures.
template <class T>
int affines_selftest(std::mt19937_64& rng) {
    const T big = std::numeric_limits<T>::max(), inf = std::numeric_limits<T>::infinity();
    const T special[] = {T(0), -T(0), T(1), T(-1), T(1e-30), T(-1e-30), std::numeric_limits<T>::denorm_min(),
                         std::numeric_limits<T>::min(), big, -big, big / 2, T(3.5), T(-2.25)};
    std::uniform_real_distribution<double> uni(-4.0, 4.0);
    std::uniform_int_distribution<int> pick(0, 15);
    auto draw = [&]() -> T {
        const int kind = pick(rng);
        return kind < 13 ? special[kind] : static_cast<T>(uni(rng) * std::pow(10.0, uni(rng) * 2));
    };
    auto same = [](const Affine<T>& x, const Affine<T>& y) { return std::memcmp(&x, &y, sizeof x) == 0; };
    int failures = 0;
    for (int round = 0; round < 2000; ++round) {
        T lo[kLanes], hi[kLanes];
        for (int k = 0; k < kLanes; ++k) {
            lo[k] = draw(), hi[k] = pick(rng) < 3 ? lo[k] : draw();
            if (pick(rng) == 0) lo[k] = inf, hi[k] = -inf;  // no finite value
        }
        LaneAffines<T> ranged, symmetric;
        range_affines<T>(lo, hi, &ranged);
        symmetric_affines<T>(lo, hi, &symmetric);
        if constexpr (std::is_same_v<T, float>)
            for (const auto& path : supported_paths()) {  // each path's widest vectors give the same maps
                select_path(path);
                LaneAffines<T> wide_ranged, wide_symmetric;
                active_loops().range_affines_f32(lo, hi, &wide_ranged);
                active_loops().symmetric_affines_f32(lo, hi, &wide_symmetric);
                if (std::memcmp(&wide_ranged, &ranged, sizeof ranged) || std::memcmp(&wide_symmetric, &symmetric, sizeof symmetric)) {
                    if (failures++ < 5) std::printf("%s lane maps differ from the portable ones\n", path.c_str());
                }
            }
        for (int k = 0; k < kLanes; ++k) {
            const T amax = std::max(std::fabs(lo[k]), std::fabs(hi[k]));
            const Affine<T> want_symmetric = lo[k] <= hi[k] ? symmetric_affine<T>(amax) : constant_affine<T>(T(0));
            if (!same(ranged.get(k), range_affine<T>(lo[k], hi[k])) || !same(symmetric.get(k), want_symmetric)) {
                if (failures++ < 5)
                    std::printf("lane maps differ for [%g, %g]\n", static_cast<double>(lo[k]), static_cast<double>(hi[k]));
            }
        }
    }
    return failures;
}

}  // namespace

// Fixed float32 banks for the norm strips, which random cases seldom reach (NEON runs
// only this self-test): adjacent units with slots of two runs (81-value cols, 19
// units), adjacent units over inner tiles (hwio 3x3x5x70: a strip of 64 and 6 left),
// and short tiles in position order (oihw 13x7x3x3: strips of 8 or 4, some left).
// Each path's squared norms against the scalar path's, bit for bit. Returns failures.
int norm_strips_selftest(std::mt19937_64& rng, const std::vector<std::string>& paths) {
    struct Bank {
        std::int64_t n, inner, h, w, s_outer, s_inner, s_y, s_x;
    };
    const Bank banks[] = {
        {19, 1, 9, 9, 4, 0, 9 * 19 * 4, 19 * 4},
        {70, 5, 3, 3, 4, 70 * 4, 3 * 5 * 70 * 4, 5 * 70 * 4},
        {13, 7, 3, 3, 7 * 9 * 4, 9 * 4, 3 * 4, 4},
    };
    std::normal_distribution<float> normal(0.0f, 1.0f);
    int failures = 0;
    for (const Bank& b : banks) {
        std::vector<float> values(static_cast<std::size_t>(b.n * b.inner * b.h * b.w));
        for (float& v : values) v = normal(rng) * std::pow(10.0f, normal(rng));
        TileSource src{};
        src.type = ElemType::f32;
        src.origin = reinterpret_cast<const unsigned char*>(values.data());
        src.readable_begin = src.origin;
        src.readable_end = src.origin + values.size() * sizeof(float);
        src.n_outer = b.n, src.n_inner = b.inner, src.channels = 1, src.height = b.h, src.width = b.w;
        src.s_outer = b.s_outer, src.s_inner = b.s_inner, src.s_channel = 4, src.s_y = b.s_y, src.s_x = b.s_x;
        select_path("scalar");
        const std::vector<double> want = unit_sq_norms(src, 1);
        for (const auto& path : paths) {
            select_path(path);
            if (unit_sq_norms(src, 2) != want) {
                std::printf("norm strips: path %s differs from scalar (%lld units)\n", path.c_str(),
                            static_cast<long long>(b.n));
                ++failures;
            }
        }
    }
    return failures;
}

// The 3x3 lane gather (HotLoops::gather_nine_lanes_f32, where a path has one): a pure
// permutation, so every bit pattern (NaN payloads, infinities, signed zeros) must land
// where the plain loop puts it. Returns failures.
int nine_lanes_selftest(std::mt19937_64& rng, const std::vector<std::string>& paths) {
    int failures = 0;
    for (const auto& path : paths) {
        select_path(path);
        const HotLoops& loops = active_loops();
        if (!loops.gather_nine_lanes_f32) continue;
        for (int round = 0; round < 50; ++round) {
            std::vector<std::uint32_t> bits(9 * kLanes + 1);  // + 1: tiles start misaligned in odd rounds
            for (auto& b : bits) b = static_cast<std::uint32_t>(rng());
            const float* tiles = reinterpret_cast<const float*>(bits.data() + (round & 1));
            std::vector<float> got(9 * kLanes);
            loops.gather_nine_lanes_f32(tiles, got.data());
            for (int p = 0; p < 9; ++p)
                for (int k = 0; k < kLanes; ++k)
                    if (std::memcmp(&got[p * kLanes + k], &tiles[9 * k + p], sizeof(float)) != 0) {
                        if (failures++ < 5) std::printf("nine lanes: path %s, position %d lane %d\n", path.c_str(), p, k);
                    }
        }
    }
    return failures;
}

// The RGB plane deal (HotLoops::plane_slot_squares_f32, where a path has one) against
// the slots dealt one value at a time in position order, bit for bit, for plane
// lengths around its three-period blocks and single periods. Returns failures.
int plane_squares_selftest(std::mt19937_64& rng, const std::vector<std::string>& paths) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    int failures = 0;
    for (const auto& path : paths) {
        select_path(path);
        const HotLoops& loops = active_loops();
        if (!loops.plane_slot_squares_f32) continue;
        for (std::int64_t pixels = 1; pixels <= 200; ++pixels) {
            // Odd lengths start the planes a byte off, as a misaligned bank does.
            std::vector<unsigned char> memory(static_cast<std::size_t>(12 * pixels + 1));
            unsigned char* start = memory.data() + (pixels & 1);
            for (std::int64_t i = 0; i < 3 * pixels; ++i) {
                const float v = normal(rng) * std::pow(10.0f, 3.0f * normal(rng));
                std::memcpy(start + 4 * i, &v, sizeof v);
            }
            const float* first = reinterpret_cast<const float*>(start);
            const float* planes[3] = {first, first + pixels, first + 2 * pixels};
            std::vector<double> got(kSlots, 0.5), want(kSlots, 0.5);  // onto sums already there
            loops.plane_slot_squares_f32(planes, pixels, got.data());
            for (std::int64_t i = 0; i < 3 * pixels; ++i) {
                float v;
                std::memcpy(&v, start + 4 * ((i % 3) * pixels + i / 3), sizeof v);
                const double d = static_cast<double>(v);
                want[static_cast<std::size_t>(i % kSlots)] += d * d;
            }
            if (got != want && failures++ < 5) std::printf("plane squares: path %s, %lld pixels\n", path.c_str(),
                                                          static_cast<long long>(pixels));
        }
    }
    return failures;
}

int main(int argc, char** argv) {
    const int cases = argc > 1 ? std::atoi(argv[1]) : 2000;
    const std::vector<std::string> paths = supported_paths();
    std::printf("paths:");
    for (const auto& p : paths) std::printf(" %s", p.c_str());
    std::printf("\n");
    std::mt19937_64 rng(20261129);
    int passed = 0, failed = 0;
    for (int k = 0; k < cases; ++k) {
        const Case c = make_case(rng);
        select_path("scalar");
        const Result reference = run(c);
        bool ok = true;
        for (const auto& path : paths) {
            select_path(path);
            const Result got = run(c);
            if (!same(got, reference) || got.scanned_differs) {  // (scanned: checked on every path, scalar too)
                if (failed < 10)
                    std::printf("case %d: path %s differs from scalar (type %d, %lld tiles%s%s)\n", k, path.c_str(),
                                static_cast<int>(c.type), static_cast<long long>(tile_count(c.src)),
                                got.error.empty() ? "" : ", error: ", got.error.c_str());
                ok = false;
            }
        }
        ok ? ++passed : ++failed;
    }
    const int affine_failures = affines_selftest<float>(rng) + affines_selftest<double>(rng);
    std::printf("lane maps: %s\n", affine_failures ? "FAILED" : "ok");
    if (affine_failures) ++failed;
    const int strip_failures = norm_strips_selftest(rng, paths);
    std::printf("norm strips: %s\n", strip_failures ? "FAILED" : "ok");
    if (strip_failures) ++failed;
    const int nine_failures = nine_lanes_selftest(rng, paths);
    std::printf("nine lanes: %s\n", nine_failures ? "FAILED" : "ok");
    if (nine_failures) ++failed;
    const int plane_failures = plane_squares_selftest(rng, paths);
    std::printf("plane squares: %s\n", plane_failures ? "FAILED" : "ok");
    if (plane_failures) ++failed;
    const int pool_failures = pool_selftest();
    std::printf("worker pool: %s\n", pool_failures ? "FAILED" : "ok");
    if (pool_failures) ++failed;
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
