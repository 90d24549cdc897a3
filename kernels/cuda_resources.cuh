// Move-only owners of CUDA resources: device memory, streams, events and pinned host memory.
#pragma once

#include "cuda_check.cuh"

#include <cuda_runtime.h>

#include <cstddef>
#include <memory_resource>
#include <utility>
#include <vector>

namespace scalesweep::cuda {

template <class T>
class device_buffer {
public:
  device_buffer() = default;
  explicit device_buffer(std::size_t count) : m_count(count) {
    if (count > 0) {
      check_allocation(cudaMalloc(reinterpret_cast<void**>(&m_data), count * sizeof(T)),
                       count * sizeof(T), "device memory", cuda_error::cause::device_memory);
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

// An event marking the end of a tile's work on a stream (no timing: cheaper to record). Waiting
// on it blocks the thread instead of spinning a core that the writer's encoder threads need.
class event {
public:
  event() {
    SCALESWEEP_CUDA_CHECK(
        cudaEventCreateWithFlags(&m_event, cudaEventDisableTiming | cudaEventBlockingSync));
  }
  event(event&& other) noexcept : m_event(std::exchange(other.m_event, nullptr)) {}
  event& operator=(event&& other) noexcept {
    std::swap(m_event, other.m_event);
    return *this;
  }
  event(const event&) = delete;
  event& operator=(const event&) = delete;
  ~event() {
    if (m_event != nullptr) {
      cudaEventDestroy(m_event);
    }
  }

  void record(cudaStream_t s) const { SCALESWEEP_CUDA_CHECK(cudaEventRecord(m_event, s)); }
  void synchronize() const { SCALESWEEP_CUDA_CHECK(cudaEventSynchronize(m_event)); }

private:
  cudaEvent_t m_event = nullptr;
};

// Page-locked host memory, so device-to-host copies run at full PCIe speed and asynchronously.
// Allocates with the backend's device current: on a thread without one, CUDA would create a
// context on device 0 (memory taken there by every MPI rank of a node).
class pinned_memory_resource final : public std::pmr::memory_resource {
public:
  explicit pinned_memory_resource(int device) : m_device(device) {}

private:
  void* do_allocate(std::size_t bytes, std::size_t /*alignment*/) override {
    SCALESWEEP_CUDA_CHECK(cudaSetDevice(m_device));
    void* p = nullptr;
    check_allocation(cudaMallocHost(&p, bytes), bytes, "pinned host memory",
                     cuda_error::cause::pinned_memory); // page-aligned
    return p;
  }
  void do_deallocate(void* p, std::size_t /*bytes*/, std::size_t /*alignment*/) override {
    // As in do_allocate: a thread that never chose a device would otherwise make a context on
    // device 0 just to free this memory.
    (void)cudaSetDevice(m_device);
    cudaFreeHost(p);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  int m_device;
};

} // namespace scalesweep::cuda
