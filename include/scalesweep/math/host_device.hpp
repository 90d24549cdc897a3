// Marks per-cell math that both backends call: __host__ __device__ under nvcc, plain inline in g++.
#pragma once

#if defined(__CUDACC__)
#define SCALESWEEP_HD __host__ __device__ inline
#else
#define SCALESWEEP_HD inline
#endif
