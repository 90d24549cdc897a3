// Rebuilds a partial file before a resume (see partial_rebuild.hpp for why).
#include "output/hdf5/partial_rebuild.hpp"

#include "common/text_format.hpp"
#include "output/hdf5/chunk_copy.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/hdf5/resume_check.hpp"
#include "output/rename_into_place.hpp"
#include "output/schema.hpp"

#include <filesystem>
#include <system_error>
#include <vector>

namespace scalesweep::h5 {

namespace {

// Copies the done chunks of one problem; a chunk missing from any of its variables is computed
// again (its done flag cleared).
void copy_done_chunks(hid_t from, hid_t into, const problem_grid& problem,
                      std::vector<std::uint8_t>& done, const std::string& partial,
                      rebuild_summary& summary) {
  std::vector<handle> sources, targets;
  for (const variable_info& v : problem.outputs) {
    sources.push_back(
        dataset(H5Dopen2(from, v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'"));
    targets.push_back(
        dataset(H5Dopen2(into, v.name.c_str(), H5P_DEFAULT), "open '" + v.name + "'"));
  }
  std::vector<stored_chunk_rules> rules; // from the rebuilt file, which the config made
  for (const handle& t : targets) {
    rules.push_back(stored_chunk_rules_of(t.get()));
  }
  std::vector<unsigned char> buffer, scratch;
  for (std::size_t c = 0; c < done.size(); ++c) {
    if (done[c] == 0) {
      continue;
    }
    // Each variable's own offset of chunk c: a variable without the problem's first dimension
    // (variable_box) numbers the same chunks in one dimension fewer.
    std::vector<std::vector<hsize_t>> offsets;
    bool stored = true;
    for (const handle& s : sources) {
      offsets.push_back(chunk_offset(s.get(), static_cast<std::int64_t>(c)));
      stored = stored && chunk_is_stored(s.get(), offsets.back());
    }
    if (!stored) {
      done[c] = 0;
      ++summary.chunks_dropped;
      continue;
    }
    for (std::size_t v = 0; v < sources.size(); ++v) {
      summary.bytes_copied +=
          copy_stored_chunk(sources[v].get(), targets[v].get(), offsets[v], buffer, scratch,
                            problem.outputs[v].name, partial, rules[v]);
    }
    ++summary.chunks_kept;
  }
}

// The copy holds at most what the partial file holds.
void check_room_for_copy(const std::string& partial) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(partial, ec);
  const std::filesystem::space_info space =
      std::filesystem::space(std::filesystem::absolute(partial).parent_path(), ec);
  if (!ec && space.available < size) {
    throw io_error("resuming rebuilds '" + partial + "' beside itself and needs up to " +
                       format_bytes(static_cast<double>(size)) + "; " +
                       format_bytes(static_cast<double>(space.available)) + " is free there",
                   "free space on that disk, then resume again");
  }
}

} // namespace

rebuild_summary rebuild_partial(const std::string& partial, const sweep_plan& plan,
                                const shard_spec& shard, chunk_allocation allocation) {
  const std::string rebuilt = partial + std::string(schema::rebuild_suffix);
  rebuild_summary summary;
  std::error_code ec;
  std::filesystem::remove(rebuilt, ec); // left by a rebuild that was itself interrupted
  write_then_rename(rebuilt, partial, [&] {
    handle old = file(H5Fopen(partial.c_str(), H5F_ACC_RDONLY, file_access(false).get()),
                      "open '" + partial + "'");
    check_resumable(old.get(), partial, plan, shard);
    const auto original = [&](const char* name) {
      return read_string_attribute(old.get(), name).value_or("");
    };
    const run_metadata meta{original(schema::root::backend), original(schema::root::command_line),
                            original(schema::root::created), original(schema::root::git_revision),
                            original(schema::root::config_path)};
    check_room_for_copy(partial);
    handle fresh = create_file(rebuilt);
    create_result_skeleton(fresh.get(), plan, shard, meta, allocation);
    for (std::size_t p = 0; p < plan.problems.size(); ++p) {
      std::vector<std::uint8_t> done = read_done_flags(old.get(), p);
      copy_done_chunks(old.get(), fresh.get(), plan.problems[p], done, partial, summary);
      rewrite_bytes(fresh.get(), schema::done_path(p), done);
    }
    fresh.close("close '" + rebuilt + "'");
    old.close("close '" + partial + "'");
  });
  return summary;
}

} // namespace scalesweep::h5
