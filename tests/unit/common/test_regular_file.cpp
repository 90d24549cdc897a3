// Reading a config-sized file: regular files only, within a size limit, and never blocking on a
// FIFO or reading a device without end.
#include "scalesweep/error.hpp"

#include "common/regular_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

using namespace scalesweep;

class RegularFile : public ::testing::Test {
protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() /
            ("regular_file_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  std::string path(const char* name) const { return (m_dir / name).string(); }

  std::filesystem::path m_dir;
};

// The message of the input_error that `read` throws.
template <class Read>
std::string refusal(Read&& read) {
  try {
    read();
  } catch (const input_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "not refused";
  return {};
}

TEST_F(RegularFile, ReadsAFileWithinTheLimit) {
  std::ofstream(path("a.toml")) << "title = \"x\"\n";
  EXPECT_EQ(read_regular_file(path("a.toml"), 100, "config"), "title = \"x\"\n");
  EXPECT_EQ(non_regular_kind(path("a.toml")), std::nullopt);
  EXPECT_EQ(non_regular_kind(path("missing")), std::nullopt);
}

TEST_F(RegularFile, RefusesAFileOverTheLimit) {
  std::ofstream(path("big.toml")) << std::string(101, '#');
  EXPECT_NE(refusal([&] {
              read_regular_file(path("big.toml"), 100, "config");
            }).find("has 101 bytes; a config may hold at most 100 B"),
            std::string::npos);
}

TEST_F(RegularFile, RefusesAFifoWithNoWriterAtOnce) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(refusal([&] {
              read_regular_file(path("fifo"), 100, "config");
            }).find("is a FIFO (named pipe), not a regular file"),
            std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(non_regular_kind(path("fifo")), "a FIFO (named pipe)");
}

TEST_F(RegularFile, RefusesDevicesDirectoriesAndSockets) {
  EXPECT_NE(refusal([&] {
              read_regular_file("/dev/zero", 100, "config");
            }).find("config '/dev/zero' is a character device, not a regular file"),
            std::string::npos);
  EXPECT_NE(refusal([&] { read_regular_file(m_dir.string(), 100, "config"); }).find("directory"),
            std::string::npos);
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = path("sock");
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  socket_path.copy(address.sun_path, socket_path.size());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(non_regular_kind(socket_path), "a socket");
  EXPECT_NE(refusal([&] {
              require_regular_file(socket_path, "part 1");
            }).find("part 1 '" + socket_path + "' is a socket"),
            std::string::npos);
  ::close(s);
}

} // namespace
