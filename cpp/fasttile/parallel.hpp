// A small std::thread pool-less helper: no OpenMP runtime in the wheel.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace fasttile {

// Hands out [begin, end) blocks in increasing order; each thread therefore sees
// its own blocks in ascending order, which the non-finite report relies on.
class BlockQueue {
public:
    BlockQueue(std::int64_t n, std::int64_t block) : n_(n), block_(std::max<std::int64_t>(block, 1)) {}
    bool pop(std::int64_t* begin, std::int64_t* end) {
        const std::int64_t b = next_.fetch_add(block_, std::memory_order_relaxed);
        if (b >= n_) return false;
        *begin = b;
        *end = std::min(n_, b + block_);
        return true;
    }

private:
    std::atomic<std::int64_t> next_{0};
    std::int64_t n_, block_;
};

// Runs fn(thread_index) on `threads` threads (the caller's thread is index 0) and
// rethrows the first exception once all have finished. If a thread cannot be
// started, its index runs on the caller's thread instead.
template <class Fn>
void run_threads(int threads, Fn&& fn) {
    if (threads <= 1) {
        fn(0);
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    std::vector<int> inline_indices;
    pool.reserve(static_cast<std::size_t>(threads - 1));
    for (int t = 1; t < threads; ++t) {
        try {
            pool.emplace_back([&fn, &errors, t] {
                try {
                    fn(t);
                } catch (...) {
                    errors[static_cast<std::size_t>(t)] = std::current_exception();
                }
            });
        } catch (...) {
            inline_indices.push_back(t);
        }
    }
    try {
        fn(0);
        for (int t : inline_indices) fn(t);
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (auto& th : pool) th.join();
    for (auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// Threads worth starting for `work` element-sized units (a double, so estimates for
// hostile views cannot overflow): small renders stay on one thread so they do not
// pay for thread start-up.
inline int threads_for(double work, int requested, std::int64_t items) {
    constexpr double kWorkPerThread = double(std::int64_t{1} << 17);
    const double useful = std::max(1.0, work / kWorkPerThread);
    std::int64_t n = useful < static_cast<double>(requested) ? static_cast<std::int64_t>(useful) : requested;
    n = std::min(n, std::max<std::int64_t>(items, 1));
    return static_cast<int>(std::max<std::int64_t>(n, 1));
}

}  // namespace fasttile
