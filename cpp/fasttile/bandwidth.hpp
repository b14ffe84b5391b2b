// Memory-bandwidth probes for the benchmarks: how fast this machine streams bytes
// in and out with a given number of threads, measured in the same run as a render.
#pragma once

#include <cstdint>

namespace fasttile {

// Seconds to read `bytes` bytes at `data` once (all threads, each a contiguous part).
double time_stream_read(const void* data, std::int64_t bytes, int threads);
// Seconds to write `bytes` bytes at `data` once.
double time_stream_write(void* data, std::int64_t bytes, int threads);

}  // namespace fasttile
