// Work sharing without an OpenMP runtime in the wheel: a persistent pool of worker
// threads (started once, on first use) and a queue of ascending blocks of items.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace fasttile {

// Hands out [begin, end) blocks in increasing order.
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

// Runs call(context, i) for every i in [0, n): index 0 on the caller's thread, the
// others on the pool's workers, and on the caller too whenever no worker is free (so
// it never waits for a busy pool, and a pool lost across fork() still finishes).
// Rethrows the first exception once all have finished.
void run_parallel(int n, void (*call)(void*, int), void* context);

// Runs fn(thread_index) for thread_index in [0, threads).
template <class Fn>
void run_threads(int threads, Fn&& fn) {
    if (threads <= 1) {
        fn(0);
        return;
    }
    run_parallel(threads, [](void* f, int i) { (*static_cast<Fn*>(f))(i); }, &fn);
}

// Threads worth using for `work` element-sized units (a double, so estimates for
// hostile views cannot overflow): small renders stay on the caller's thread, where
// waking a worker would cost more than it saves. A worker takes tens of microseconds
// to wake on a busy machine, about what 128 K values take to render; at that size two
// threads were no faster at best and half again slower at the median (S: 100 tiles
// of 32x32x3), so each thread gets at least 512 K.
inline int threads_for(double work, int requested, std::int64_t items) {
    constexpr double kWorkPerThread = double(std::int64_t{1} << 19);
    const double useful = std::max(1.0, work / kWorkPerThread);
    std::int64_t n = useful < static_cast<double>(requested) ? static_cast<std::int64_t>(useful) : requested;
    n = std::min(n, std::max<std::int64_t>(items, 1));
    return static_cast<int>(std::max<std::int64_t>(n, 1));
}

}  // namespace fasttile
