#include "bandwidth.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "parallel.hpp"

namespace fasttile {
namespace {

// Sums 64-bit words with independent accumulators so the loads, not the adds, set
// the pace; the result is kept so the compiler cannot drop the reads.
std::uint64_t read_words(const unsigned char* p, std::int64_t bytes) {
    std::uint64_t acc[8] = {};
    std::int64_t i = 0;
    for (; i + 64 <= bytes; i += 64)
        for (int k = 0; k < 8; ++k) {
            std::uint64_t w;
            std::memcpy(&w, p + i + 8 * k, 8);
            acc[k] += w;
        }
    std::uint64_t total = 0;
    for (std::uint64_t a : acc) total += a;
    for (; i < bytes; ++i) total += p[i];
    return total;
}

template <class Fn>
double timed_split(std::int64_t bytes, int threads, Fn&& fn) {
    if (bytes < 0 || threads < 1) throw std::invalid_argument("bytes must be >= 0 and threads >= 1");
    const auto start = std::chrono::steady_clock::now();
    run_threads(threads, [&](int t) {
        const std::int64_t part = bytes / threads;
        const std::int64_t begin = part * t, end = t == threads - 1 ? bytes : begin + part;
        fn(begin, end - begin);
    });
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double time_stream_read(const void* data, std::int64_t bytes, int threads) {
    std::atomic<std::uint64_t> sink{0};
    const auto* p = static_cast<const unsigned char*>(data);
    const double seconds = timed_split(bytes, threads, [&](std::int64_t begin, std::int64_t n) {
        sink.fetch_add(read_words(p + begin, n), std::memory_order_relaxed);
    });
    if (sink.load() == 0x5eed) return seconds * 1.0000001;  // uses the sum
    return seconds;
}

double time_stream_write(void* data, std::int64_t bytes, int threads) {
    auto* p = static_cast<unsigned char*>(data);
    return timed_split(bytes, threads, [&](std::int64_t begin, std::int64_t n) {
        std::memset(p + begin, 0x5a, static_cast<std::size_t>(n));
    });
}

}  // namespace fasttile
