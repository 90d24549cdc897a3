// Move-only owners of CUDA resources: device memory and streams.
#pragma once

#include "cuda_check.cuh"

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace scalesweep::cuda {

template <class T>
class device_buffer {
public:
  device_buffer() = default;
  explicit device_buffer(std::size_t count) : m_count(count) {
    if (count > 0) {
      SCALESWEEP_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&m_data), count * sizeof(T)));
    }
  }
  explicit device_buffer(const std::vector<T>& host) : device_buffer(host.size()) {
    if (!host.empty()) {
      SCALESWEEP_CUDA_CHECK(
          cudaMemcpy(m_data, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    }
  }
  device_buffer(device_buffer&& other) noexcept
      : m_data(std::exchange(other.m_data, nullptr)), m_count(std::exchange(other.m_count, 0)) {}
  device_buffer& operator=(device_buffer&& other) noexcept {
    std::swap(m_data, other.m_data);
    std::swap(m_count, other.m_count);
    return *this;
  }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  ~device_buffer() {
    if (m_data != nullptr) {
      cudaFree(m_data);
    }
  }

  T* get() const { return m_data; }
  std::size_t size() const { return m_count; }

private:
  T* m_data = nullptr;
  std::size_t m_count = 0;
};

class stream {
public:
  stream() { SCALESWEEP_CUDA_CHECK(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking)); }
  stream(stream&& other) noexcept : m_stream(std::exchange(other.m_stream, nullptr)) {}
  stream& operator=(stream&& other) noexcept {
    std::swap(m_stream, other.m_stream);
    return *this;
  }
  stream(const stream&) = delete;
  stream& operator=(const stream&) = delete;
  ~stream() {
    if (m_stream != nullptr) {
      cudaStreamDestroy(m_stream);
    }
  }

  cudaStream_t get() const { return m_stream; }
  void synchronize() const { SCALESWEEP_CUDA_CHECK(cudaStreamSynchronize(m_stream)); }

private:
  cudaStream_t m_stream = nullptr;
};

} // namespace scalesweep::cuda
