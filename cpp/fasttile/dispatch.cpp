// Runtime choice of the hot-loop table: the widest path the CPU (and the OS, for
// the AVX register state) supports, or a narrower one forced by FASTTILE_SIMD
// (docs/design.md, section 6).
#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "hot_loops.hpp"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace fasttile {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool cpu_has_avx2_f16c() {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    const bool osxsave = ecx & (1u << 27), avx = ecx & (1u << 28), f16c = ecx & (1u << 29);
    if (!(osxsave && avx && f16c)) return false;
    // The OS must save the YMM state (XCR0 bits 1 and 2).
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0x6u) != 0x6u) return false;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    return ebx & (1u << 5);
}

// F and BW: every AVX-512 CPU but the Xeon Phi (which then takes the AVX2 path).
bool cpu_has_avx512() {
    if (!cpu_has_avx2_f16c()) return false;  // the AVX-512 table reuses AVX2 entries
    unsigned eax, ebx, ecx, edx;
    const unsigned f = 1u << 16, bw = 1u << 30;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || (ebx & (f | bw)) != (f | bw)) return false;
    // The OS must save the opmask and all 512-bit register state (XCR0 bits 5..7).
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    return (xcr0_lo & 0xe6u) == 0xe6u;
}
#endif

struct Path {
    const char* name;
    const HotLoops& (*loops)();
    bool (*supported)();
};

bool always() { return true; }

const Path kPaths[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {"avx512", avx512_loops, cpu_has_avx512},
    {"avx2", avx2_loops, cpu_has_avx2_f16c},
    {"sse2", sse2_loops, always},
#endif
#if defined(__aarch64__)
    {"neon", neon_loops, always},
#endif
    {"scalar", scalar_loops, always},
};

const HotLoops* choose(const std::string& name) {
    for (const Path& p : kPaths) {
        if (!p.supported()) {
            if (name == p.name) throw std::invalid_argument(std::string("this CPU cannot run the '") + p.name + "' path");
            continue;
        }
        if (name == "auto" || name == p.name) return &p.loops();
    }
    throw std::invalid_argument("unknown SIMD path '" + name + "'");
}

const HotLoops* initial_loops() {
    const char* forced = std::getenv("FASTTILE_SIMD");
    if (forced && *forced) {
        try {
            return choose(forced);
        } catch (const std::invalid_argument&) {
            // An unusable request falls back to the best path; simd_info() shows it.
        }
    }
    return choose("auto");
}

std::atomic<const HotLoops*>& current() {
    static std::atomic<const HotLoops*> loops{initial_loops()};
    return loops;
}

}  // namespace

const HotLoops& active_loops() { return *current().load(std::memory_order_acquire); }

std::vector<std::string> supported_paths() {
    std::vector<std::string> names;
    for (const Path& p : kPaths)
        if (p.supported()) names.emplace_back(p.name);
    return names;
}

void select_path(const std::string& name) { current().store(choose(name), std::memory_order_release); }

}  // namespace fasttile
