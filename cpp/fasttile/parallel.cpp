// The persistent worker pool behind run_parallel (parallel.hpp). Threads start once,
// on the first parallel call, and then sleep on a condition variable between calls:
// a render no longer pays for creating and joining threads.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>

#include "parallel.hpp"

namespace fasttile {
namespace {

// One run_parallel call. Indices are claimed under the pool's lock, so a worker only
// ever touches a job while it is queued, and the caller dequeues it before returning.
struct Job {
    void (*call)(void*, int);
    void* context;
    int n;
    int next = 1;      // next index to hand out (0 is the caller's)
    int finished = 0;  // indices done
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
        }
        wake_.notify_all();
        execute(job, 0);
        for (int i; (i = claim(job)) >= 0;) execute(job, i);
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return job.finished == job.n; });
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
                jobs_.erase(it);
                break;
            }
        return -1;
    }

    void execute(Job& job, int i) {
        try {
            job.call(job.context, i);
        } catch (...) {
            job.errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        if (++job.finished == job.n) done_.notify_all();
    }

    void work() {
        for (;;) {
            Job* job;
            int i;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return !jobs_.empty(); });
                job = jobs_.front();
                if (job->next >= job->n) {  // all handed out (its caller dequeues it too)
                    jobs_.pop_front();
                    continue;
                }
                i = job->next++;
                if (job->next >= job->n) jobs_.pop_front();
            }
            execute(*job, i);
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::deque<Job*> jobs_;
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
