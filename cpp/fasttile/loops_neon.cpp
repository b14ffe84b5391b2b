// NEON hot loops for arm64. Not written yet: arm64 builds run the scalar table
// (correct, slower). The dispatcher lists "neon" only once this file defines it.
