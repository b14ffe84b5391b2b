// 64-bit arithmetic that refuses to wrap.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace fasttile {

inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error(std::string(what) + " overflows 64 bits");
    return r;
}

inline std::int64_t checked_add(std::int64_t a, std::int64_t b, const char* what) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r)) throw std::overflow_error(std::string(what) + " overflows 64 bits");
    return r;
}

}  // namespace fasttile
