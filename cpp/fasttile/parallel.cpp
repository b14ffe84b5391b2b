// The persistent worker pool behind run_parallel (parallel.hpp). Threads start once,
// on the first parallel call, and then wait between calls: a render no longer pays for
// creating and joining threads. They wait spinning for a while before they sleep on a
// condition variable, and so does a caller waiting for its job to finish: on this
// 2-core VM a sleeping worker started 37 us after the call that woke it, so a job of
// 50 us per thread on two threads took 117 us (medians; 50.4 us spinning), against a
// render of M of about 120 us.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "parallel.hpp"

namespace fasttile {
namespace {

// How long a worker looks for the next job, and a caller for its job's end, before
// sleeping. Long enough to span the Python between two calls (a render's checks, an
// argsort between the norms and the render: tens of microseconds); short enough that
// a worker left idle gives its core back within a fraction of a millisecond.
// FASTTILE_SPIN_US (read once, when the pool starts; 0 to 100000) changes it: 0 sleeps
// at once, as OpenMP's OMP_WAIT_POLICY=passive, for a process that wants no spinning.
constexpr long kDefaultSpinMicros = 250;
std::chrono::microseconds g_spin{kDefaultSpinMicros};

std::chrono::microseconds spin_from_environment() {
    const char* text = std::getenv("FASTTILE_SPIN_US");
    if (!text || !*text) return std::chrono::microseconds{kDefaultSpinMicros};
    char* end = nullptr;
    const long us = std::strtol(text, &end, 10);
    if (*end || us < 0 || us > 100000) return std::chrono::microseconds{kDefaultSpinMicros};  // unusable: the default
    return std::chrono::microseconds{us};
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Spins until done() or g_spin has passed; returns done().
template <class Done>
bool spin_until(Done&& done) {
    if (g_spin.count() == 0) return done();
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        for (int k = 0; k < 64; ++k) {
            if (done()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() - start >= g_spin) return done();
    }
}

// One run_parallel call. Indices are claimed under the pool's lock, so a worker only
// ever touches a job while it is queued, and the caller dequeues it before returning.
struct Job {
    void (*call)(void*, int);
    void* context;
    int n;
    int next = 1;                   // next index to hand out (0 is the caller's)
    std::atomic<int> finished = 0;  // indices done: once all are, no worker touches the job
    std::vector<std::exception_ptr> errors;
};

class Pool {
public:
    explicit Pool(int workers) {
        for (int i = 0; i < workers; ++i) {
            try {
                threads_.emplace_back([this] { work(); });
                threads_.back().detach();  // never joined: the pool lives as long as the process
            } catch (...) {
                break;  // fewer workers; callers pick up the rest themselves
            }
        }
    }

    void run(Job& job) {
        job.errors.resize(static_cast<std::size_t>(job.n));
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push_back(&job);
            queued_.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();
        execute(job, 0);
        for (int i; (i = claim(job)) >= 0;) execute(job, i);
        const auto all_done = [&] { return job.finished.load(std::memory_order_acquire) == job.n; };
        if (!spin_until(all_done)) {
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, all_done);
        }
        for (auto& e : job.errors)
            if (e) std::rethrow_exception(e);
    }

private:
    // Next index of `job` to run, or -1 (the job then leaves the queue).
    int claim(Job& job) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (job.next < job.n) return job.next++;
        for (auto it = jobs_.begin(); it != jobs_.end(); ++it)
            if (*it == &job) {
                erase(it);
                break;
            }
        return -1;
    }

    void erase(std::deque<Job*>::iterator it) {
        jobs_.erase(it);
        queued_.fetch_sub(1, std::memory_order_relaxed);
    }

    void execute(Job& job, int i) {
        try {
            job.call(job.context, i);
        } catch (...) {
            job.errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
        // The last index's count is the job's last touch: its caller may return (and
        // the job end) as soon as it sees it. The lock orders it with a sleeping
        // caller's check, so the notify cannot fall between check and sleep.
        const int n = job.n;
        std::lock_guard<std::mutex> lock(mutex_);
        if (job.finished.fetch_add(1, std::memory_order_acq_rel) + 1 == n) done_.notify_all();
    }

    void work() {
        for (;;) {
            Job* job;
            int i;
            const bool seen = spin_until([&] { return queued_.load(std::memory_order_acquire) > 0; });
            {
                std::unique_lock<std::mutex> lock(mutex_);
                if (!seen) wake_.wait(lock, [&] { return !jobs_.empty(); });
                if (jobs_.empty()) continue;  // its caller took it all before this worker came: spin again
                job = jobs_.front();
                if (job->next >= job->n) {  // all handed out (its caller dequeues it too)
                    erase(jobs_.begin());
                    continue;
                }
                i = job->next++;
                if (job->next >= job->n) erase(jobs_.begin());
            }
            execute(*job, i);
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::deque<Job*> jobs_;
    std::atomic<int> queued_{0};  // jobs_.size(), read without the lock by spinning workers
    std::vector<std::thread> threads_;
};

// The pool, created on first use. fork() keeps only the forking thread, so a child
// process starts a pool of its own; the creation lock is held across fork() so that
// the child never inherits it locked.
Pool* g_pool = nullptr;
std::mutex g_create;

void lock_create() { g_create.lock(); }
void unlock_create() { g_create.unlock(); }
void forget_pool_in_child() {
    g_pool = nullptr;  // the parent's workers do not exist here (the object is left alone)
    g_create.unlock();
}

Pool& pool() {
    std::lock_guard<std::mutex> lock(g_create);
    if (!g_pool) {
        static const bool registered = pthread_atfork(lock_create, unlock_create, forget_pool_in_child) == 0;
        (void)registered;
        g_spin = spin_from_environment();
        const unsigned cores = std::thread::hardware_concurrency();
        g_pool = new Pool(static_cast<int>(cores > 1 ? cores - 1 : 1));
    }
    return *g_pool;
}

}  // namespace

void run_parallel(int n, void (*call)(void*, int), void* context) {
    Job job{call, context, n, 1, 0, {}};
    pool().run(job);
}

}  // namespace fasttile
