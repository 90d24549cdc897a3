// The preset tables. Every number carries its source; prices are stated assumptions.
#include "plan/presets.hpp"

#include "common/text_format.hpp"

#include <algorithm>

namespace scalesweep {

const std::vector<law_preset>& law_presets() {
  static const std::vector<law_preset> presets{
      {"chinchilla",
       {1.69, 406.4, 410.7, 0.34, 0.28},
       "Hoffmann et al. 2022 (arXiv 2203.15556), printed Approach 3 fit, Eq. 10"},
      {"chinchilla-unrounded",
       {1.693374, 406.401, 410.723, 0.33917084, 0.2849083},
       "Hoffmann et al. 2022 Approach 3 at full precision (log A = 6.0073404, log B = 6.0179186, "
       "log E = 0.5267228), as quoted by Besiroglu et al. 2024 (arXiv 2404.10102)"},
      {"sardana2024",
       {1.69, 406.4, 410.7, 0.336, 0.283},
       "Sardana et al. 2024 (arXiv 2401.00448) and their released code"},
      {"epoch2024",
       {1.81686, 482.00572, 2085.4342, 0.34781, 0.36585},
       "Besiroglu, Erdil, Barnett, You 2024 (arXiv 2404.10102), Epoch AI replication"},
  };
  return presets;
}

namespace {
constexpr double tera = 1e12;
constexpr double giga = 1e9;
} // namespace

// Dense tensor-core peaks. Datasheets print sparse figures with an asterisk; those are halved.
const std::vector<gpu_preset>& gpu_presets() {
  static const std::vector<gpu_preset> presets{
      {"A100-40GB",
       {{"fp64", 19.5 * tera},
        {"tf32", 156 * tera},
        {"bf16", 312 * tera},
        {"fp16", 312 * tera},
        {"int8", 624 * tera}},
       40 * giga,
       1555 * giga,
       400,
       "NVIDIA A100 Tensor Core GPU datasheet (2021), SXM4 40GB column; board power: its max TDP"},
      {"A100-80GB",
       {{"fp64", 19.5 * tera},
        {"tf32", 156 * tera},
        {"bf16", 312 * tera},
        {"fp16", 312 * tera},
        {"int8", 624 * tera}},
       80 * giga,
       2039 * giga,
       400,
       "NVIDIA A100 Tensor Core GPU datasheet (2021), SXM4 80GB column; board power: its max TDP"},
      {"H100-SXM",
       {{"fp64", 67 * tera},
        {"tf32", 494.5 * tera},
        {"bf16", 989 * tera},
        {"fp16", 989 * tera},
        {"fp8", 1979 * tera},
        {"int8", 1979 * tera}},
       80 * giga,
       3350 * giga,
       700,
       "NVIDIA H100 Tensor Core GPU datasheet (2023), SXM column, dense; the reference code of "
       "Sardana et al. 2024 has bf16 989 but fp8/int8 1978 TFLOP/s (hardware preset "
       "sardana2024-default follows it); board power: max TDP (up to 700 W)"},
      {"H200",
       {{"fp64", 67 * tera},
        {"tf32", 494.5 * tera},
        {"bf16", 989 * tera},
        {"fp16", 989 * tera},
        {"fp8", 1979 * tera},
        {"int8", 1979 * tera}},
       141 * giga,
       4800 * giga,
       700,
       "NVIDIA H200 Tensor Core GPU datasheet (2024), SXM column; board power: max TDP (up to 700 "
       "W)"},
      {"B200",
       {{"fp64", 37 * tera},
        {"tf32", 1125 * tera},
        {"bf16", 2250 * tera},
        {"fp16", 2250 * tera},
        {"fp8", 4500 * tera},
        {"int8", 4500 * tera},
        {"fp4", 9000 * tera}},
       180 * giga,
       8000 * giga,
       1000,
       "NVIDIA HGX B200 specifications (2024): 8-GPU figures divided by 8, sparse figures halved; "
       "board power: max TDP per GPU (up to 1000 W)"},
      {"MI300X",
       {{"fp64", 163.4 * tera},
        {"tf32", 653.7 * tera},
        {"bf16", 1307.4 * tera},
        {"fp16", 1307.4 * tera},
        {"fp8", 2614.9 * tera},
        {"int8", 2614.9 * tera}},
       192 * giga,
       5300 * giga,
       750,
       "AMD Instinct MI300X accelerator datasheet (2023), dense matrix figures; board power: TBP"},
      {"L40S",
       {{"tf32", 183 * tera},
        {"bf16", 362.05 * tera},
        {"fp16", 362.05 * tera},
        {"fp8", 733 * tera},
        {"int8", 733 * tera}},
       48 * giga,
       864 * giga,
       350,
       "NVIDIA L40S GPU datasheet (2023), dense tensor figures; board power: max power "
       "consumption"},
  };
  return presets;
}

// Each side lists its fields in train_fields / serve_fields order; {} leaves peak_flops to the GPU
// preset (a peak is set only where the preset's source uses another figure than the GPU's). Decode
// is memory-bound, so decode MFUs other than the reference's 0.01 on H100 fp8 scale it by
// (bandwidth / fp8 peak) relative to the H100's. Prices are illustrative on-demand $/GPU-hour
// assumptions, not quotes: override usd_per_hour for real planning.
const std::vector<hardware_preset>& hardware_presets() {
  static const std::vector<hardware_preset> presets{
      // The reference code (cost_calculator.py: H100_FP8_OPS = 1.978e15) serves at 1978 TFLOP/s,
      // not the datasheet's 1979 of the H100-SXM preset: the scenario reproduces its costs.
      {"sardana2024-default",
       {"H100-SXM", "bf16", {}, 0.5, 2.00},
       {"H100-SXM", "fp8", 1.978e15, 0.5, 0.01, 2.00, 70, 215},
       "defaults of the reference code of Sardana et al. 2024 (SPEC §1.3), with its fp8 peak of "
       "1.978e15 FLOP/s (the H100-SXM preset has the datasheet's 1.979e15)"},
      {"sardana2024-readme-a100",
       {"A100-80GB", "bf16", {}, 0.5, 1.40},
       {"A100-40GB", "int8", {}, 0.4, 0.2, 0.60, 1000, 250},
       "usd example of the reference code's README (SPEC §1.5)"},
      {"h100-bf16-serving",
       {"H100-SXM", "bf16", {}, 0.5, 2.00},
       {"H100-SXM", "bf16", {}, 0.5, 0.01, 2.00, 70, 215},
       "sardana2024-default served unquantised (bf16)"},
      {"h200-fp8",
       {"H200", "bf16", {}, 0.5, 2.50},
       {"H200", "fp8", {}, 0.5, 0.0143, 2.50, 70, 215},
       "H200 both phases; decode MFU scaled by bandwidth; illustrative $2.50/h"},
      {"b200-fp8",
       {"B200", "bf16", {}, 0.5, 4.00},
       {"B200", "fp8", {}, 0.5, 0.0105, 4.00, 70, 215},
       "B200 both phases; decode MFU scaled by bandwidth/peak; illustrative $4.00/h"},
      {"mi300x-fp8",
       {"MI300X", "bf16", {}, 0.5, 2.50},
       {"MI300X", "fp8", {}, 0.5, 0.0120, 2.50, 70, 215},
       "MI300X both phases; decode MFU scaled by bandwidth/peak; illustrative $2.50/h"},
      {"h100-train-l40s-serve",
       {"H100-SXM", "bf16", {}, 0.5, 2.00},
       {"L40S", "fp8", {}, 0.5, 0.0070, 0.80, 70, 215},
       "train on H100, serve on L40S; decode MFU scaled by bandwidth/peak; illustrative $0.80/h"},
  };
  return presets;
}

// Parameters from the released weights where the paper rounds; D/N and the lesson's figures in
// docs/economics.md §5.
const std::vector<model_preset>& model_presets() {
  static const std::vector<model_preset> presets{
      {"chinchilla-70b", 70e9, 1.4e12, "Hoffmann et al. 2022 (arXiv 2203.15556), Table 1"},
      {"gopher-280b", 280e9, 300e9,
       "Rae et al. 2021 (arXiv 2112.11446), 300B training tokens; Hoffmann et al. 2022, Table 1"},
      {"gpt3-175b", 175e9, 300e9,
       "Brown et al. 2020 (arXiv 2005.14165), Table 2.1 and section 2.2 (300 billion tokens)"},
      {"llama2-7b", 6.74e9, 2e12,
       "Touvron et al. 2023 (arXiv 2307.09288), Table 1 (2.0T tokens); 6,738,415,616 parameters "
       "in the released weights"},
      {"llama3-8b", 8.03e9, 15e12,
       "Meta Llama 3 model card (\"pretrained on over 15 trillion tokens\"); 8,030,261,248 "
       "parameters in the released weights"},
      {"llama3-70b", 70.6e9, 15e12,
       "Meta Llama 3 model card (over 15T tokens); 70,553,706,496 parameters in the released "
       "weights"},
      {"smollm3-3b", 3.08e9, 11.2e12,
       "Hugging Face, SmolLM3 blog and SmolLM3-3B-Base model card (11.2T tokens); 3.08e9 from its "
       "config"},
      {"phi4-mini", 3.84e9, 5e12,
       "Microsoft, Phi-4-Mini technical report (arXiv 2503.01743) and model card (3.8B parameters, "
       "5T tokens); 3.84e9 from its config"},
  };
  return presets;
}

const std::vector<samples_preset>& samples_presets() {
  static const std::vector<samples_preset> presets = {
      {"epoch2024-bootstrap", "epoch2024-bootstrap.h5",
       "4,000 bootstrap resamples of Besiroglu et al. (2024)'s 240 points (Hoffmann et al. Fig. "
       "4), "
       "each fitted by `scalesweep fit` (Huber, delta 1e-3) from Hoffmann's unrounded constants, "
       "seed 0"},
  };
  return presets;
}

std::optional<double> gpu_preset::peak(std::string_view dtype) const {
  for (const dtype_peak& p : peaks) {
    if (p.dtype == dtype) {
      return p.flops_per_s;
    }
  }
  return std::nullopt;
}

std::string gpu_preset::dtype_list() const {
  std::string out;
  for (const dtype_peak& p : peaks) {
    out += (out.empty() ? "" : ", ") + std::string(p.dtype);
  }
  return out;
}

namespace {

template <class Preset>
const Preset* find_by_name(const std::vector<Preset>& presets, std::string_view name) {
  const auto it =
      std::find_if(presets.begin(), presets.end(), [&](const Preset& p) { return p.name == name; });
  return it == presets.end() ? nullptr : &*it;
}

template <class Preset>
std::string names_of(const std::vector<Preset>& presets) {
  std::string out;
  for (const Preset& p : presets) {
    out += (out.empty() ? "" : ", ") + std::string(p.name);
  }
  return out;
}

// " (did you mean 'X'?)" for the preset nearest to a name that is none (a typo, another case, or a
// missing suffix such as H100 for H100-SXM), else "".
template <class Preset>
std::string suggestion_of(const std::vector<Preset>& presets, std::string_view name) {
  std::vector<std::string> names;
  names.reserve(presets.size());
  for (const Preset& p : presets) {
    names.emplace_back(p.name);
  }
  const std::string near = closest_match(name, names);
  return near.empty() ? std::string() : " (did you mean '" + near + "'?)";
}

} // namespace

std::string law_preset_suggestion(std::string_view name) {
  return suggestion_of(law_presets(), name);
}
std::string gpu_preset_suggestion(std::string_view name) {
  return suggestion_of(gpu_presets(), name);
}
std::string hardware_preset_suggestion(std::string_view name) {
  return suggestion_of(hardware_presets(), name);
}

const law_preset* find_law_preset(std::string_view name) {
  return find_by_name(law_presets(), name);
}
const samples_preset* find_samples_preset(std::string_view name) {
  return find_by_name(samples_presets(), name);
}
const gpu_preset* find_gpu_preset(std::string_view name) {
  return find_by_name(gpu_presets(), name);
}
const hardware_preset* find_hardware_preset(std::string_view name) {
  return find_by_name(hardware_presets(), name);
}

std::string model_preset_suggestion(std::string_view name) {
  return suggestion_of(model_presets(), name);
}
const model_preset* find_model_preset(std::string_view name) {
  return find_by_name(model_presets(), name);
}
std::string model_preset_names() {
  return names_of(model_presets());
}

std::string law_preset_names() {
  return names_of(law_presets());
}
std::string samples_preset_names() {
  return names_of(samples_presets());
}
std::string gpu_preset_names() {
  return names_of(gpu_presets());
}
std::string hardware_preset_names() {
  return names_of(hardware_presets());
}

} // namespace scalesweep
