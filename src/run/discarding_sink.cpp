// A result sink that writes nothing (run --no-output).
#include "run/discarding_sink.hpp"

namespace scalesweep {

namespace {

class discarding_sink final : public result_sink {
public:
  explicit discarding_sink(const sweep_plan& plan) {
    for (const problem_grid& p : plan.problems) {
      m_done.emplace_back(static_cast<std::size_t>(p.chunk_count()), std::uint8_t{0});
    }
  }

  const std::vector<std::uint8_t>& done_chunks(std::size_t problem_index) const override {
    return m_done.at(problem_index);
  }
  std::int64_t bytes_written() const override { return 0; }

private:
  void do_write_tile(std::size_t /*problem_index*/, const tile_box* /*box*/,
                     const host_tile* /*tile*/) override {}
  void do_checkpoint(std::size_t /*problem_index*/,
                     const std::vector<std::int64_t>& /*chunks*/) override {}
  void do_finish() override {}

  std::vector<std::vector<std::uint8_t>> m_done; // all zero: a new run computes every chunk
};

} // namespace

std::unique_ptr<result_sink> make_discarding_sink(const sweep_plan& plan) {
  return std::make_unique<discarding_sink>(plan);
}

} // namespace scalesweep
