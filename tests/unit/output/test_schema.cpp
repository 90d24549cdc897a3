// The result schema: the plan's variables, the status table and the format version are what files
// carry, and a skeleton written by the layout code reads back through the readers.
#include "scalesweep/math/status.hpp"

#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/progress_record.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/output_paths.hpp"
#include "output/schema.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"
#include "tools/result_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using namespace scalesweep;

// Every problem, under objective usd (costs in USD), with two hardware scenarios.
const char* every_problem = R"(
law = { preset = "sardana2024", beta = 0.3 }
objective = { kind = "usd" }
hardware = [{ name = "a", preset = "sardana2024-default" },
            { name = "b", preset = "h200-fp8", serve = { decode_mfu = 0.02 } }]
output = { chunk_cells = 4 }
[axes]
N = { log10 = [8, 12], points = 3 }
D = { log10 = [9, 13], points = 4 }
T = { values = [0, 1e12] }
loss_target = { values = [2.0, 2.2] }
budget = { values = [1e5, 1e6] }
)";

// The variables, their dimensions and units as README "Result files" documents them (counts and
// losses "1", costs in the objective's unit, here USD): a reference written apart from the tables.
struct documented_variable {
  const char* name;
  std::vector<std::string> dims;
  const char* units;
};
const std::vector<documented_variable> documented = {
    {"loss", {"N", "D"}, "1"},
    {"cost", {"hardware", "T", "N", "D"}, "USD"},
    {"budget_curve_loss", {"hardware", "T", "budget", "N"}, "1"},
    {"budget_curve_D", {"hardware", "T", "budget", "N"}, "1"},
    {"opt_N", {"hardware", "T", "loss_target"}, "1"},
    {"opt_D", {"hardware", "T", "loss_target"}, "1"},
    {"opt_tokens_per_param", {"hardware", "T", "loss_target"}, "1"},
    {"opt_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"opt_train_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"opt_serve_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"chinchilla_N", {"hardware", "T", "loss_target"}, "1"},
    {"chinchilla_D", {"hardware", "T", "loss_target"}, "1"},
    {"chinchilla_tokens_per_param", {"hardware", "T", "loss_target"}, "1"},
    {"chinchilla_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"chinchilla_train_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"chinchilla_serve_cost", {"hardware", "T", "loss_target"}, "USD"},
    {"opt_status", {"hardware", "T", "loss_target"}, "1"},
    {"budget_N", {"hardware", "T", "budget"}, "1"},
    {"budget_D", {"hardware", "T", "budget"}, "1"},
    {"budget_tokens_per_param", {"hardware", "T", "budget"}, "1"},
    {"budget_loss", {"hardware", "T", "budget"}, "1"},
    {"budget_train_cost", {"hardware", "T", "budget"}, "USD"},
    {"budget_serve_cost", {"hardware", "T", "budget"}, "USD"},
    {"budget_chinchilla_N", {"hardware", "T", "budget"}, "1"},
    {"budget_chinchilla_D", {"hardware", "T", "budget"}, "1"},
    {"budget_chinchilla_tokens_per_param", {"hardware", "T", "budget"}, "1"},
    {"budget_chinchilla_loss", {"hardware", "T", "budget"}, "1"},
    {"budget_chinchilla_train_cost", {"hardware", "T", "budget"}, "USD"},
    {"budget_chinchilla_serve_cost", {"hardware", "T", "budget"}, "USD"},
    {"budget_status", {"hardware", "T", "budget"}, "1"},
};

// A result skeleton of `plan` in a temporary file, removed at the end of the test.
class skeleton_file {
public:
  explicit skeleton_file(const sweep_plan& plan)
      : m_path((std::filesystem::temp_directory_path() /
                ("scalesweep_test_schema_" + std::to_string(::getpid()) + ".h5"))
                   .string()) {
    h5::silence_error_printing();
    h5::handle file = h5::create_file(m_path);
    h5::create_result_skeleton(file.get(), plan, shard_spec{},
                               {"test backend", "test command", "", "", ""});
    file.close("close the test file");
  }
  ~skeleton_file() { std::filesystem::remove(m_path); }
  skeleton_file(const skeleton_file&) = delete;
  skeleton_file& operator=(const skeleton_file&) = delete;
  skeleton_file(skeleton_file&&) = delete;
  skeleton_file& operator=(skeleton_file&&) = delete;

  const std::string& path() const { return m_path; }

private:
  std::string m_path;
};

const h5::attribute_value* find_attribute(const h5::dataset_summary& d, const std::string& name) {
  for (const auto& [key, value] : d.attributes) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

std::string text(const h5::attribute_value* a) {
  return a == nullptr ? "(missing)" : std::get<std::vector<std::string>>(a->values).at(0);
}

TEST(Schema, PlanMakesTheDocumentedVariablesFromTheTables) {
  const sweep_plan plan = make_plan(parse_config(every_problem, "every.toml"));
  std::vector<documented_variable> made;
  for (const problem_grid& p : plan.problems) {
    std::vector<std::string> dims;
    for (axis_id id : p.dims) {
      dims.emplace_back(axis_name(id));
    }
    for (const variable_info& v : p.outputs) {
      made.push_back({v.name.c_str(), dims, v.units.c_str()});
    }
  }
  ASSERT_EQ(made.size(), documented.size());
  for (std::size_t i = 0; i < made.size(); ++i) {
    EXPECT_STREQ(made[i].name, documented[i].name);
    EXPECT_EQ(made[i].dims, documented[i].dims) << documented[i].name;
    EXPECT_STREQ(made[i].units, documented[i].units) << documented[i].name;
  }
}

// The README's table of status codes lists them in this order, codes 0 to 7.
TEST(Schema, StatusTableIsWhatFilesCarry) {
  EXPECT_STREQ(cell_status_flag_meanings, "ok infeasible not_converged invalid_input out_of_range "
                                          "not_computed constrained undertrained");
  const sweep_plan plan = make_plan(parse_config(every_problem, "every.toml"));
  const skeleton_file f(plan);
  const h5::result_reader reader(f.path());
  for (const char* name : {"opt_status", "budget_status"}) {
    const h5::dataset_summary* d = reader.find(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_EQ(text(find_attribute(*d, schema::variable::flag_meanings)), cell_status_flag_meanings);
    const h5::attribute_value* values = find_attribute(*d, schema::variable::flag_values);
    ASSERT_NE(values, nullptr);
    EXPECT_EQ(std::get<std::vector<std::int64_t>>(values->values),
              (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  }
  for (const cell_status_info& s : cell_statuses) {
    EXPECT_STREQ(to_string(s.code), s.name);
  }
  EXPECT_STREQ(to_string(static_cast<cell_status>(cell_status_count)), "unknown");
}

// docs/analysis.md: scripts check scalesweep_format_version, "currently 2".
TEST(Schema, FormatVersionIsWhatFilesCarry) {
  EXPECT_EQ(schema::format_version, 2);
  const sweep_plan plan = make_plan(parse_config(every_problem, "every.toml"));
  const skeleton_file f(plan);
  const h5::result_reader reader(f.path());
  EXPECT_EQ(reader.format_version(), schema::format_version);
}

// The layout code writes, the readers (result_reader, progress_reader) read the same names.
TEST(Schema, SkeletonReadsBackThroughTheReaders) {
  const sweep_plan plan = make_plan(parse_config(every_problem, "every.toml"));
  const skeleton_file f(plan);
  const h5::result_reader reader(f.path());

  for (const problem_grid& p : plan.problems) {
    for (const variable_info& v : p.outputs) {
      const h5::dataset_summary* d = reader.find(v.name);
      ASSERT_NE(d, nullptr) << v.name;
      EXPECT_EQ(d->shape, p.shape) << v.name;
      EXPECT_EQ(text(find_attribute(*d, schema::variable::units)), v.units);
      EXPECT_EQ(text(find_attribute(*d, schema::variable::long_name)), v.long_name);
    }
  }
  for (const axis& a : plan.axes) {
    const h5::dataset_summary* d = reader.find(a.name);
    ASSERT_NE(d, nullptr) << a.name;
    EXPECT_TRUE(d->is_coordinate);
    EXPECT_EQ(text(find_attribute(*d, schema::variable::spacing)), a.spacing);
  }
  // The hardware coordinate holds the scenario names (SPEC §5.6), as variable-length UTF-8.
  const h5::dataset_summary* hardware = reader.find("hardware");
  ASSERT_NE(hardware, nullptr);
  EXPECT_EQ(hardware->dtype, "string");
  EXPECT_EQ(reader.read_strings("hardware"), (std::vector<std::string>{"a", "b"}));

  const auto root = [&](const std::string& name) -> const h5::attribute_value& {
    for (const auto& [key, value] : reader.attributes()) {
      if (key == name) {
        return value;
      }
    }
    throw std::runtime_error("no root attribute " + name);
  };
  EXPECT_EQ(std::get<std::vector<std::string>>(root("Conventions").values).at(0), "CF-1.8");
  EXPECT_EQ(std::get<std::vector<double>>(root("law_beta").values), std::vector<double>{0.3});
  for (const law_constant& c : law_constants) {
    EXPECT_EQ(std::get<std::vector<double>>(root(schema::law_attribute(c)).values).at(0),
              plan.config.law.law.*c.member);
  }
  EXPECT_EQ(std::get<std::vector<double>>(root("hardware_serve_decode_mfu").values),
            (std::vector<double>{0.01, 0.02}));
  for_each_hardware_side([&](auto side) {
    for (const auto& field : side.resolved_fields()) {
      const auto& values = root(schema::hardware_attribute(side.name, field.key)).values;
      for (std::size_t h = 0; h < plan.config.hardware.size(); ++h) {
        const auto& scenario = side.of(plan.config.hardware[h]);
        if (field.text != nullptr) {
          EXPECT_EQ(std::get<std::vector<std::string>>(values).at(h), scenario.*field.text);
        } else {
          EXPECT_EQ(std::get<std::vector<double>>(values).at(h), scenario.*field.number);
        }
      }
    }
  });

  const h5::progress_record& progress = reader.progress();
  EXPECT_TRUE(progress.present);
  EXPECT_EQ(progress.shard, "1/1");
  EXPECT_FALSE(progress.partial_file);
  EXPECT_EQ(progress.chunks_done, 0);
  std::int64_t chunks = 0;
  for (const problem_grid& p : plan.problems) {
    chunks += p.chunk_count();
  }
  EXPECT_EQ(progress.chunks, chunks);

  const h5::handle file = h5::file(H5Fopen(f.path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  const h5::progress_reader record(file.get());
  ASSERT_EQ(record.problems(), plan.problems.size());
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    EXPECT_EQ(record.problem_name(p), plan.problems[p].name);
    const h5::done_record r = record.record(p);
    EXPECT_EQ(r.done.size(), static_cast<std::size_t>(plan.problems[p].chunk_count()));
    ASSERT_EQ(r.variables.size(), plan.problems[p].outputs.size());
    for (std::size_t v = 0; v < r.variables.size(); ++v) {
      EXPECT_EQ(r.variables[v], plan.problems[p].outputs[v].name);
    }
  }
}

TEST(OutputPaths, NamesFollowThePartialFileRule) {
  const output_paths paths("dir/out.h5");
  EXPECT_EQ(paths.final_path, "dir/out.h5");
  EXPECT_EQ(paths.partial, "dir/out.h5.partial");
  EXPECT_EQ(paths.creating, "dir/out.h5.partial.creating-" + std::to_string(::getpid()));
  EXPECT_TRUE(is_partial_path(paths.partial));
  EXPECT_FALSE(is_partial_path(paths.final_path));
  EXPECT_FALSE(is_partial_path("partial"));
}

} // namespace
