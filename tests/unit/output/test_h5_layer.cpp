// The HDF5 layer (h5_handle, h5_write, h5_read, chunk_copy's neighbours): what the writers store
// reads back through the readers and through the HDF5 C API itself (types, dimension scales,
// chunk grids), errors become io_error, and every handle is closed when its owner goes.
#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/cells/tile.hpp"
#include "scalesweep/error.hpp"

#include "output/hdf5/chunk_codec.hpp"
#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/hdf5/h5_write.hpp"

#include <gtest/gtest.h>
#include <hdf5_hl.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace scalesweep;

// A fresh directory for one test, removed with everything in it afterwards.
class temp_dir {
public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "h5_layer_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    m_path = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  temp_dir(temp_dir&&) = delete;
  temp_dir& operator=(temp_dir&&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  std::string file(const std::string& name) const { return (m_path / name).string(); }

private:
  std::filesystem::path m_path;
};

// Identifiers open in the library, files and everything in them.
ssize_t open_objects() {
  return H5Fget_obj_count(static_cast<hid_t>(H5F_OBJ_ALL), H5F_OBJ_ALL);
}

h5::handle create_file(const std::string& path) {
  return h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create");
}

h5::handle open_file(const std::string& path) {
  return h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
}

// A 2-D float64 dataset "v" in chunks of `chunk`, with HDF5's shuffle and deflate filters (as
// [output] compression = "deflate" writes them) or none.
h5::handle create_chunked(hid_t file, const std::vector<hsize_t>& dims,
                          const std::vector<hsize_t>& chunk, bool filtered) {
  const h5::handle space = h5::dataspace(H5Screate_simple(2, dims.data(), nullptr), "space");
  const h5::handle dcpl = h5::property_list(H5Pcreate(H5P_DATASET_CREATE), "dcpl");
  h5::check(H5Pset_chunk(dcpl.get(), 2, chunk.data()), "chunk");
  if (filtered) {
    h5::check(H5Pset_shuffle(dcpl.get()), "shuffle");
    h5::check(H5Pset_deflate(dcpl.get(), 4), "deflate");
  }
  return h5::dataset(
      H5Dcreate2(file, "v", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      "create");
}

class H5Layer : public ::testing::Test {
protected:
  void SetUp() override { h5::silence_error_printing(); }
  temp_dir m_dir;
};

TEST_F(H5Layer, AttributesReadBackAsWritten) {
  const std::string path = m_dir.file("a.h5");
  const std::string utf8 = "loss \xe2\x89\xa5 E, \xce\xbc = 1.69 \xe2\x80\x94 Sardana"; // ≥ μ —
  {
    const h5::handle f = create_file(path);
    h5::write_attribute(f.get(), "text", utf8);
    h5::write_attribute(f.get(), "names", std::vector<std::string>{"h100", "", utf8});
    h5::write_attribute(f.get(), "pi", 3.141592653589793);
    h5::write_attribute(f.get(), "tiny", 5e-324);
    h5::write_attribute(f.get(), "big", std::int64_t{-9'007'199'254'740'993}); // not a double
    h5::write_attribute(f.get(), "values", std::vector<double>{1.0, -0.0, 1e300});
    h5::write_attribute(f.get(), "flags", std::vector<std::uint8_t>{0, 1, 255});
    h5::write_attribute(f.get(), "half", 0.5F);
    h5::write_attribute(f.get(), "replaced", std::string("first"));
    h5::write_attribute(f.get(), "replaced", std::int64_t{2}); // replaces, of another type
  }
  const h5::handle f = open_file(path);
  EXPECT_EQ(h5::read_string_attribute(f.get(), "text"), utf8);
  EXPECT_EQ(h5::read_int64_attribute(f.get(), "big"), -9'007'199'254'740'993);
  EXPECT_EQ(h5::read_int64_attribute(f.get(), "replaced"), 2);
  EXPECT_FALSE(h5::read_string_attribute(f.get(), "absent").has_value());
  EXPECT_FALSE(h5::has_attribute(f.get(), "absent"));
  EXPECT_TRUE(h5::has_attribute(f.get(), "pi"));

  const h5::attribute_value names = h5::read_attribute(f.get(), "names");
  EXPECT_FALSE(names.scalar);
  EXPECT_EQ(std::get<std::vector<std::string>>(names.values),
            (std::vector<std::string>{"h100", "", utf8}));
  const h5::attribute_value pi = h5::read_attribute(f.get(), "pi");
  EXPECT_TRUE(pi.scalar);
  EXPECT_EQ(std::get<std::vector<double>>(pi.values), std::vector<double>{3.141592653589793});
  EXPECT_EQ(std::get<std::vector<double>>(h5::read_attribute(f.get(), "tiny").values)[0], 5e-324);
  EXPECT_EQ(std::get<std::vector<double>>(h5::read_attribute(f.get(), "half").values)[0], 0.5);
  const auto values = std::get<std::vector<double>>(h5::read_attribute(f.get(), "values").values);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_TRUE(std::signbit(values[1]));
  EXPECT_EQ(values[2], 1e300);
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(h5::read_attribute(f.get(), "flags").values),
            (std::vector<std::int64_t>{0, 1, 255}));
}

// Strings are variable-length UTF-8 (what h5py and netCDF read as str), numbers little-endian
// IEEE and two's complement of the sizes written.
TEST_F(H5Layer, AttributesHaveTheStoredTypesReadersExpect) {
  const std::string path = m_dir.file("t.h5");
  {
    const h5::handle f = create_file(path);
    h5::write_attribute(f.get(), "text", std::string("x"));
    h5::write_attribute(f.get(), "number", 1.5);
    h5::write_attribute(f.get(), "count", std::int64_t{3});
  }
  const h5::handle f = open_file(path);
  const auto type_of = [&](const char* name) {
    const h5::handle a = h5::attribute(H5Aopen(f.get(), name, H5P_DEFAULT), name);
    return h5::datatype(H5Aget_type(a.get()), "type");
  };
  const h5::handle text = type_of("text");
  EXPECT_EQ(H5Tget_class(text.get()), H5T_STRING);
  EXPECT_GT(H5Tis_variable_str(text.get()), 0);
  EXPECT_EQ(H5Tget_cset(text.get()), H5T_CSET_UTF8);
  EXPECT_GT(H5Tequal(type_of("number").get(), H5T_IEEE_F64LE), 0);
  EXPECT_GT(H5Tequal(type_of("count").get(), H5T_STD_I64LE), 0);
}

TEST_F(H5Layer, TypedReadersRefuseOtherTypesAndShapes) {
  const std::string path = m_dir.file("r.h5");
  const h5::handle f = create_file(path);
  h5::write_attribute(f.get(), "text", std::string("x"));
  h5::write_attribute(f.get(), "pair", std::vector<std::string>{"a", "b"});
  EXPECT_THROW(h5::read_int64_attribute(f.get(), "text"), io_error);
  EXPECT_THROW(h5::read_string_attribute(f.get(), "pair"), io_error);
  try {
    h5::read_attribute(f.get(), "absent");
    FAIL() << "an absent attribute was read";
  } catch (const io_error& e) {
    EXPECT_NE(std::string(e.what()).find("open attribute 'absent'"), std::string::npos) << e.what();
  }
}

TEST_F(H5Layer, DatasetsAndDimensionScalesReadBack) {
  const std::string path = m_dir.file("d.h5");
  const std::vector<std::uint8_t> flags = {0, 1, 1, 0, 1};
  {
    const h5::handle f = create_file(path);
    h5::write_coordinate(f.get(), "T", std::vector<double>{0, 1e9, 1e12});
    h5::write_coordinate(f.get(), "hardware", std::vector<std::string>{"h100", "b200-fp8"});
    h5::write_bytes(f.get(), "done", flags);
    h5::rewrite_bytes(f.get(), "done", {1, 1, 1, 1, 0});
  }
  const h5::handle f = open_file(path);
  EXPECT_EQ(h5::read_bytes(f.get(), "done"), (std::vector<std::uint8_t>{1, 1, 1, 1, 0}));
  EXPECT_TRUE(h5::has_link(f.get(), "T"));
  EXPECT_FALSE(h5::has_link(f.get(), "N"));
  for (const char* name : {"T", "hardware"}) {
    const h5::handle scale = h5::dataset(H5Dopen2(f.get(), name, H5P_DEFAULT), name);
    EXPECT_GT(H5DSis_scale(scale.get()), 0) << name;
    char scale_name[32] = {};
    ASSERT_GT(H5DSget_scale_name(scale.get(), scale_name, sizeof scale_name), 0);
    EXPECT_STREQ(scale_name, name);
  }
  const h5::handle T = h5::dataset(H5Dopen2(f.get(), "T", H5P_DEFAULT), "T");
  std::vector<double> t(3);
  h5::check(H5Dread(T.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()), "read");
  EXPECT_EQ(t, (std::vector<double>{0, 1e9, 1e12}));

  const h5::handle names = h5::dataset(H5Dopen2(f.get(), "hardware", H5P_DEFAULT), "hardware");
  const h5::handle type = h5::utf8_string_type();
  std::vector<char*> raw(2, nullptr);
  h5::check(H5Dread(names.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), "read");
  EXPECT_STREQ(raw[0], "h100");
  EXPECT_STREQ(raw[1], "b200-fp8");
  const h5::handle space = h5::dataspace(H5Dget_space(names.get()), "space");
  H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, raw.data());
}

// A 5 x 7 dataset in 2 x 3 chunks: 3 x 3 chunks, numbered row-major as HDF5's chunk grid is.
TEST_F(H5Layer, ChunkGridOfADatasetIsItsShapeInChunks) {
  const h5::handle f = create_file(m_dir.file("c.h5"));
  const h5::handle ds = create_chunked(f.get(), {5, 7}, {2, 3}, false);
  EXPECT_EQ(h5::chunk_shape(ds.get()), (std::vector<hsize_t>{2, 3}));
  const box_grid grid = h5::chunk_grid(ds.get());
  ASSERT_EQ(grid.count(), 9);
  std::int64_t index = 0;
  for (hsize_t r = 0; r < 5; r += 2) {
    for (hsize_t c = 0; c < 7; c += 3, ++index) {
      EXPECT_EQ(h5::chunk_offset(ds.get(), index), (std::vector<hsize_t>{r, c})) << index;
      const tile_box box = grid.box(index);
      EXPECT_EQ(box.count[0], static_cast<std::int64_t>(std::min<hsize_t>(2, 5 - r)));
      EXPECT_EQ(box.count[1], static_cast<std::int64_t>(std::min<hsize_t>(3, 7 - c)));
    }
  }
  // A contiguous dataset has no chunk grid.
  const hsize_t dims[2] = {5, 7};
  const h5::handle space = h5::dataspace(H5Screate_simple(2, dims, nullptr), "space");
  const h5::handle flat = h5::dataset(H5Dcreate2(f.get(), "flat", H5T_IEEE_F64LE, space.get(),
                                                 H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                      "create");
  EXPECT_TRUE(h5::chunk_shape(flat.get()).empty());
  EXPECT_THROW(h5::chunk_offset(flat.get(), 0), io_error);
}

// The codec writes chunks byte-compatible with HDF5's own shuffle and deflate filters: written
// raw (H5Dwrite_chunk), they read back through HDF5's filter pipeline as the numbers encoded.
TEST_F(H5Layer, EncodedChunksReadBackThroughHdf5sFilters) {
  const h5::handle f = create_file(m_dir.file("f.h5"));
  const std::vector<hsize_t> chunk = {2, 4};
  const h5::handle ds = create_chunked(f.get(), {3, 5}, chunk, true);
  // The whole grid as one tile; its four chunks, three of them clipped at the edges.
  const tile_box tile{2, {0, 0}, {3, 5}};
  std::vector<double> column(15);
  for (std::size_t i = 0; i < column.size(); ++i) {
    column[i] = 1.0 / (3.0 + static_cast<double>(i));
  }
  const variable_info v{"v", "1", "v", value_type::f64, false};
  const chunk_encoder encoder(v, {2, 4}, compression_kind::deflate, 4);
  std::vector<unsigned char> scratch, out;
  for (const tile_box& c : box_grid(tile, chunk)) {
    encoder.encode(tile, column.data(), c, scratch, out);
    const hsize_t offset[2] = {static_cast<hsize_t>(c.offset[0]),
                               static_cast<hsize_t>(c.offset[1])};
    h5::check(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, offset, out.size(), out.data()), "write");
  }
  std::vector<double> back(15);
  h5::check(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()),
            "read");
  EXPECT_EQ(back, column);
}

TEST_F(H5Layer, HandlesCloseWhenTheirOwnersGo) {
  const ssize_t before = open_objects();
  const std::string path = m_dir.file("h.h5");
  {
    const h5::handle f = create_file(path);
    h5::write_coordinate(f.get(), "T", std::vector<double>{1, 2});
    const h5::handle T = h5::dataset(H5Dopen2(f.get(), "T", H5P_DEFAULT), "T");
    h5::handle moved = h5::dataspace(H5Dget_space(T.get()), "space");
    const h5::handle owner = std::move(moved);
    // The moved-from owner holds nothing (and closes nothing).
    // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    EXPECT_LT(moved.get(), 0);
    // The file and the dataset are open (dataspaces are not counted).
    EXPECT_EQ(open_objects(), before + 2);
    (void)h5::read_attribute(T.get(), "CLASS"); // opens and closes an attribute and its type
    EXPECT_EQ(open_objects(), before + 2);
  }
  EXPECT_EQ(open_objects(), before);
  {
    h5::handle f = open_file(path);
    f.close("close");
    EXPECT_LT(f.get(), 0);
    EXPECT_EQ(open_objects(), before);
  }
  // A failed open throws with HDF5's reason, and leaves nothing open.
  EXPECT_THROW(open_file(m_dir.file("missing.h5")), io_error);
  EXPECT_EQ(open_objects(), before);
}

TEST(H5Check, FoldsFailuresIntoIoErrorNamingTheStep) {
  h5::silence_error_printing();
  try {
    h5::check(H5Fopen("/nonexistent/x.h5", H5F_ACC_RDONLY, H5P_DEFAULT) < 0 ? -1 : 0,
              "open the result");
    FAIL() << "no exception";
  } catch (const io_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("HDF5: open the result", 0), 0u) << e.what();
  }
  EXPECT_NO_THROW(h5::check(0, "fine"));
}

} // namespace
